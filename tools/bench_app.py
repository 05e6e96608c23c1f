"""The baseline of `make bench`: a bare Flask app with one route and nothing else.

Served by its own gunicorn (2 workers) in the same run as the product, so every ratio
the bench prints is "the product's endpoint / what Flask + gunicorn cost at all".
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
