"""The shared service module: every rule of the product lives here.

Pure Python, no Flask imports: views and forms call these functions and the
same answer serves the full-page POST and the htmx fragment.
"""
