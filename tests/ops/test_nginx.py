"""deploy/nginx/ed24-cabinet.conf, read as nginx reads it: nothing internal in a response
header, no link token or query string in the access log, /metrics not proxied, and the
behaviour the README describes kept. `nginx -t` checks its syntax where nginx is installed."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "ed24-cabinet.conf"
# Variables that name an internal address or carry a request's path or query as it came.
INTERNAL = ("$upstream_", "$server_addr", "$server_port", "$proxy_host", "$proxy_port", "$hostname")
RAW_REQUEST = ("$request ", "$request\"", "$request'", "$request_uri", "$uri", "$document_uri", "$args",
               "$query_string", "$arg_", "$is_args", "$http_referer", "$request_body")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] = field(default_factory=list)


def tokens(text: str) -> Iterator[str]:
    pattern = r"""#[^\n]*|"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([{};])|([^\s{};"'#]+)"""
    for match in re.finditer(pattern, text):
        if match.group(0).startswith("#"):
            continue
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        yield quoted if quoted is not None else match.group(0)


def parse(text: str) -> list[Directive]:
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens(text):
        if token == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            directive = Directive(words[0], words[1:])
            stack[-1].append(directive)
            stack.append(directive.block)
            words = []
        elif token == "}":
            stack.pop()
        else:
            words.append(token)
    assert len(stack) == 1 and not words, "unbalanced configuration"
    return stack[0]


def walk(directives: list[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from walk(d.block)


CONFIG = parse(CONF.read_text(encoding="utf-8"))


def named(name: str) -> list[Directive]:
    return [d for d in walk(CONFIG) if d.name == name]


def nginx_map(variable: str) -> tuple[str, list[tuple[str, str]]]:
    """(source variable, [(pattern, value)]) of the map that defines `variable`."""
    found = [d for d in named("map") if d.args[1] == variable]
    assert len(found) == 1, f"no map defines {variable}"
    return found[0].args[0], [(d.name, " ".join(d.args)) for d in found[0].block]


def _captured(found: re.Match[str]) -> Callable[[re.Match[str]], str]:
    """A map value's $name: the regex's named capture, or the variable as it is."""
    groups = found.groupdict()
    return lambda m: groups.get(m.group(1)) or m.group(0)


def evaluate(entries: list[tuple[str, str]], value: str) -> str:
    """nginx's map: exact strings first, then regexes in order, else default."""
    exact = dict(entries)
    if value in exact and not value.startswith("~"):
        return exact[value]
    for pattern, result in entries:
        if pattern.startswith("~"):
            found = re.search(pattern[1:].replace("(?<", "(?P<"), value)
            if found:
                return re.sub(r"\$(\w+)", _captured(found), result)
    return exact.get("default", "")


def test_no_response_header_names_an_internal_address() -> None:
    for d in named("add_header"):
        assert d.args[0].lower() != "x-upstream"
        assert not any(var in " ".join(d.args[1:]) for var in INTERNAL), f"add_header {' '.join(d.args)}"
    assert not named("proxy_pass_header")


def test_the_access_log_never_holds_a_link_token_or_a_query_string() -> None:
    logs = [d for d in named("access_log") if d.args[0] != "off"]
    formats = {d.args[0]: "".join(d.args[1:]) for d in named("log_format")}
    assert logs and all(len(d.args) > 1 and d.args[1] in formats for d in logs), \
        "every access_log names its format"
    for d in logs:
        line = formats[d.args[1]]
        assert not any(var in line for var in RAW_REQUEST), f"log_format {d.args[1]} logs the raw request"
        assert "$ed24_log_path" in line
    source, entries = nginx_map("$ed24_log_path")
    assert source == "$request_uri"
    for uri, logged in (("/r/AbCdEfGhIjKlMnOpQrStUv", "/r/*"), ("/r/AbCdEfGhIjKlMnOpQrStUv?utm=1", "/r/*"),
                        ("/r/", "/r/*"), ("/ru/cabinet/login?next=/ru/cabinet/", "/ru/cabinet/login"),
                        ("/sandbox/api/outbox?phone=%2B77057546868", "/sandbox/api/outbox"), ("/", "/")):
        assert evaluate(entries, uri) == logged, uri


def test_the_request_id_is_passed_on_and_logged() -> None:
    assert "$ed24_request_id" in "".join(named("log_format")[0].args)
    assert any(d.args == ["X-Request-ID", "$ed24_request_id"] for d in named("proxy_set_header"))
    source, entries = nginx_map("$ed24_request_id")
    assert source == "$http_x_request_id" and dict(entries)[""] == "$request_id"


def test_metrics_is_not_proxied() -> None:
    locations = named("location")
    catching = [d for d in locations if d.args[0] == "~" and re.search(d.args[1], "/metrics")]
    assert len(catching) == 1, "one regex location takes /metrics before the proxy's prefix location"
    metrics = catching[0]
    assert re.search(metrics.args[1], "/metrics/x") and not re.search(metrics.args[1], "/metricsx")
    assert [(d.name, d.args) for d in metrics.block] == [("return", ["404"])]
    # Nothing stops regex matching for /metrics: no "=" or "^~" location that covers it.
    assert not [d for d in locations if d.args[0] in ("=", "^~") and "/metrics".startswith(d.args[1])]


def test_the_rest_of_its_behaviour_is_kept() -> None:
    directives = {d.name: d.args for d in walk(CONFIG)}
    assert named("proxy_next_upstream")[0].args == ["error", "timeout"]  # never non_idempotent
    assert ["X-Forwarded-For", "$remote_addr"] in [d.args for d in named("proxy_set_header")]
    assert directives["client_max_body_size"] == ["128k"] and directives["gzip"] == ["off"]
    assert directives["server_tokens"] == ["off"] and directives["proxy_request_buffering"] == ["on"]
    assert named("error_page")[0].args == ["502", "504", "$ed24_unavailable"]
    servers = [d for d in walk(next(d for d in named("upstream") if d.args == ["ed24_app"]).block)]
    assert servers and all("max_fails=1" in d.args and "fail_timeout=10s" in d.args for d in servers)


def test_nginx_accepts_it(tmp_path: Path) -> None:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    site = CONF.read_text(encoding="utf-8").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n include /etc/nginx/mime.types;\n"
        f" include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    done = subprocess.run([binary, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                           "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
