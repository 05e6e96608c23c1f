"""ed24-testkit: what a team testing an ed24-cabinet sandbox needs.

- SandboxClient: the sandbox HTTP API (outbox, clock, data, namespaces, people).
- pytest fixtures (registered automatically): `sandbox`, `namespace` (a fresh
  namespace per test, so parallel workers never meet), `ns_page` (a Playwright
  page inside it), `person(kind)`.
- Page objects (ed24_testkit.pages) that find controls by the labels and button
  names of the contract, in ru or kk, with the texts taken from the app's catalogs.
"""
from .client import Namespace, Person, SandboxClient, SandboxError
from .texts import text

__all__ = ["Namespace", "Person", "SandboxClient", "SandboxError", "text"]
