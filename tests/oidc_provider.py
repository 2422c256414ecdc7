"""A real OpenID Connect provider for the tests: node's oidc-provider (tests/oidc/provider.mjs), started on a
free port once per test process (each xdist worker has its own) and stopped at its end.

`make test` installs it (npm ci in tests/oidc, when node_modules is missing or the lockfile changed). The
provider's accounts and client are in tests/oidc/accounts.json; `sign_in` walks its login page as a
browser would, with a requests session of its own, and returns the address it sends the browser back to.
"""

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).parent / "oidc"
SETUP = json.loads((HERE / "accounts.json").read_text(encoding="utf-8"))


@dataclass
class OIDCProvider:
    issuer: str
    process: subprocess.Popen
    client: dict = field(default_factory=lambda: SETUP["client"])
    accounts: dict = field(default_factory=lambda: SETUP["accounts"])

    def settings(self, **overrides) -> dict:
        """An OIDC_PROVIDERS entry for this provider."""
        return {
            "kind": "oidc",
            "server_metadata_url": f"{self.issuer}/.well-known/openid-configuration",
            "client_id": self.client["client_id"],
            "client_secret": self.client["client_secret"],
            "label": "公司统一身份认证",
            **overrides,
        }

    def sign_in(self, authorize_url: str, login: str, password: str | None = None, http=None) -> str:
        """Sign in at the provider's login page, from `authorize_url` to the redirect back to the app (its
        address, not followed). `http`: the browser's session at the provider (a new one if None)."""
        http = http or browser()
        response = http.get(authorize_url, allow_redirects=False)
        password = self.accounts[login]["password"] if password is None and login in self.accounts else password
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                response = http.get(location, allow_redirects=False)
            elif response.status_code == 200 and 'name="login"' in response.text:
                action = urljoin(response.url, _attribute(response.text, "action"))
                response = http.post(action, data={"login": login, "password": password}, allow_redirects=False)
                if response.status_code == 200:
                    raise AssertionError(f"the provider refused the login of {login}: {response.text}")
            else:
                raise AssertionError(f"unexpected answer of the provider: {response.status_code} {response.text}")
        raise AssertionError("the provider never sent the browser back")

    def log_out(self, end_session_url: str, http) -> str:
        """Confirm logging out on the provider's end-session page; return where it sends the browser back."""
        response = http.get(end_session_url, allow_redirects=False)
        assert response.status_code == 200, response.text
        form = response.text
        action = urljoin(response.url, _attribute(form, "action"))
        xsrf = form.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
        response = http.post(action, data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False)
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.issuer):
                return location
            response = http.get(location, allow_redirects=False)
        raise AssertionError(f"the provider did not send the browser back: {response.status_code} {response.text}")


def browser() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, whatever proxy the machine has
    return http


def _attribute(html: str, name: str) -> str:
    return html.split(f'{name}="', 1)[1].split('"', 1)[0]


def app_path(url: str) -> str:
    """The path and query of an address of the app (what the test client is given)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture(scope="session")
def oidc_provider():
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").exists():
        pytest.fail("the test OIDC provider is not installed: run `make test-oidc-provider` (make test does)")
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs")],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()  # the provider says where it listens once it does
        if not line.startswith("listening "):
            pytest.fail(f"the test OIDC provider did not start: {line!r} (exit code {process.poll()})")
        drain = threading.Thread(target=process.stdout.read, daemon=True)  # its output never blocks it
        drain.start()
        yield OIDCProvider(issuer=line.split()[1], process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if "drain" in locals():
            drain.join()
        process.stdout.close()
