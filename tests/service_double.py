"""A local HTTP server standing in for a messenger's open platform (企业微信、钉钉、飞书) in the adapter tests.

Each route is a function of the request that checks it is made as the service's documentation says
(path, parameters, headers, body) and answers what the documentation shows; a check that fails answers
599 and is kept, and the test fails on it (`service.check()`). The server is also an HTTP forward proxy:
a request for an absolute address ("GET http://host/path") is served the same way, its host kept, so a
test can see that the application's calls went through OUTBOUND_PROXY.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Call:
    method: str
    host: str | None  # the absolute address's host: the call came through this server as a proxy
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class ServiceDouble:
    url: str
    routes: dict[tuple[str, str], Callable[[Call], tuple[int, dict]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def route(self, method: str, path: str):
        def register(fn):
            self.routes[(method, path)] = fn
            return fn

        return register

    def check(self) -> None:
        assert self.failures == [], self.failures

    def paths(self) -> list[str]:
        return [f"{c.method} {c.path}" for c in self.calls]


def _handler(service: ServiceDouble):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _serve(self):
            target = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            call = Call(
                method=self.command,
                host=target.hostname if target.scheme else None,
                path=target.path,
                query={k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            service.calls.append(call)
            route = service.routes.get((call.method, call.path))
            try:
                if route is None:
                    raise AssertionError(f"no such route: {call.method} {call.path}")
                status, answer = route(call)
            except AssertionError as exc:
                service.failures.append(f"{call.method} {call.path}: {exc}")
                status, answer = 599, {"test_double": str(exc)}
            payload = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

    return Handler


@pytest.fixture
def service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    double = ServiceDouble(url=f"http://127.0.0.1:{server.server_port}")
    server.RequestHandlerClass = _handler(double)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
