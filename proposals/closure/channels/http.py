"""Outbound HTTP(S) for the channels: one request, the `OUTBOUND_PROXY` setting, and what a failure means.

Intranets reach the providers through a proxy: `OUTBOUND_PROXY = "http://proxy.example.cn:3128"` sends
every channel's requests through it (HTTP and HTTPS alike, CONNECT for HTTPS), as it does the sign-in
providers' (proposals/outbound.py decides, for both, which proxy a call to an address takes).
"""

import json
import socket
import ssl
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.request import ProxyHandler, Request, build_opener

from flask import current_app

from ... import outbound


class ChannelError(Exception):
    """A message was not delivered by its channel.

    `permanent`: refused for good (no such number, no such user): trying again cannot help.
    `channel_wide`: the channel failed, not this message (the service unreachable or throttling us, our
    credentials refused): the channel's other messages wait for its next run, the other channels go on.
    `counted`: whether this attempt counts towards the message's cap (not when the service was not
    reached at all, nor when it only asked us to slow down).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        channel_wide: bool = False,
        counted: bool = True,
        throttled: bool = False,
    ):
        super().__init__(message[:500])
        self.permanent = permanent
        self.channel_wide = channel_wide
        self.counted = counted
        self.throttled = throttled  # asked to slow down: tried again after BACKOFF_FIRST


class Unreachable(ChannelError):
    def __init__(self, message: str):
        super().__init__(message, channel_wide=True, counted=False)


class RateLimited(ChannelError):
    def __init__(self, message: str):
        super().__init__(f"rate-limited: {message}", channel_wide=True, counted=False, throttled=True)


class CredentialsRefused(ChannelError):
    """The service refuses our keys or token: the channel's settings are wrong, not the message."""

    def __init__(self, message: str):
        super().__init__(f"credentials refused: {message}", channel_wide=True)


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> dict:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ChannelError(f"HTTP {self.status}: not JSON: {self.body[:200]!r}") from exc
        if not isinstance(data, dict):
            raise ChannelError(f"HTTP {self.status}: not a JSON object: {self.body[:200]!r}")
        return data


def timeout() -> float:
    return float(current_app.config.get("CHANNEL_TIMEOUT") or 15)


def request(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> Response:
    """Send one request; the answer whatever its status, or Unreachable / ChannelError when none came."""
    opener = build_opener(ProxyHandler(outbound.proxies_for(url)))
    req = Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=timeout()) as answer:
            return Response(answer.status, answer.read())
    except HTTPError as exc:
        return Response(exc.code, exc.read() or b"")
    except URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError | socket.gaierror | ssl.SSLError):
            raise Unreachable(f"{url.split('?')[0]}: {reason}") from exc
        raise ChannelError(f"{url.split('?')[0]}: {reason}", channel_wide=True) from exc
    except (TimeoutError, ConnectionError, OSError) as exc:  # the answer broke off: it may have arrived
        raise ChannelError(f"{url.split('?')[0]}: {type(exc).__name__}: {exc}", channel_wide=True) from exc


def post_json(url: str, payload: dict, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return request(
        "POST", url, body=body, headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )


def throttled(response: Response) -> bool:
    return response.status == 429
