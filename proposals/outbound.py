"""Calls this application makes to other services (sign-in providers, messengers): one configured HTTP
session, so that an intranet which reaches the outside only through a proxy needs one setting.

OUTBOUND_PROXY (instance/config.py or the environment), e.g. "http://proxy.corp.example:3128", is used for
every outbound http and https call; without it the standard HTTPS_PROXY / HTTP_PROXY variables are read,
once and explicitly, so what is used does not depend on which library makes the call. OUTBOUND_NO_PROXY
(else NO_PROXY) lists the hosts reached directly ("localhost,.corp.example"). OUTBOUND_TIMEOUT bounds
each call in seconds. Nothing else of the environment applies (requests' own trust_env is off).
"""

import os
from urllib.parse import urlsplit

import requests
from flask import current_app, has_app_context
from requests.utils import should_bypass_proxies

DEFAULTS = {
    "OUTBOUND_PROXY": None,
    "OUTBOUND_NO_PROXY": None,
    "OUTBOUND_TIMEOUT": 10,
}
ENV_KEYS = ("OUTBOUND_PROXY", "OUTBOUND_NO_PROXY", "OUTBOUND_TIMEOUT")


def init_app(app) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for key in ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]


def _env(*names: str) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def settings() -> tuple[str | None, str | None, float]:
    """(proxy, hosts reached directly, timeout) as configured for this application."""
    config = current_app.config if has_app_context() else DEFAULTS
    proxy = config.get("OUTBOUND_PROXY") or _env("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
    no_proxy = config.get("OUTBOUND_NO_PROXY") or _env("NO_PROXY", "no_proxy")
    return proxy or None, no_proxy or None, float(config.get("OUTBOUND_TIMEOUT") or DEFAULTS["OUTBOUND_TIMEOUT"])


def proxies_for(url: str) -> dict[str, str]:
    """The `proxies` argument of requests for a call to `url` (empty: go directly)."""
    proxy, no_proxy, _ = settings()
    if not proxy or urlsplit(url).scheme not in ("http", "https"):
        return {}
    if no_proxy and should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    return {"http": proxy, "https": proxy}


class OutboundMixin:
    """Makes a requests.Session (or a subclass, such as Authlib's OAuth2Session) use the settings above."""

    def configure_outbound(self) -> None:
        self.trust_env = False
        self.headers["User-Agent"] = "proposals"  # HTTP headers are latin-1: no Chinese here

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", settings()[2])
        if not kwargs.get("proxies"):
            kwargs["proxies"] = proxies_for(url)
        return super().request(method, url, *args, **kwargs)


class OutboundSession(OutboundMixin, requests.Session):
    def __init__(self):
        super().__init__()
        self.configure_outbound()


def session() -> OutboundSession:
    """A requests session for calls to other services, through the configured proxy."""
    return OutboundSession()
