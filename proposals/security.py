"""Web hardening for every response: security headers, Secure cookies over HTTPS, and a clear page
for a form refused by the CSRF check.

The Content-Security-Policy allows scripts and styles from this site only: the templates have no
inline script, no on* handler and no style attribute (tests/test_security_headers.py checks), and the
SVG charts use presentation attributes (fill, stroke), which are not styles. A response that sets a
header of its own keeps it (an attachment download sends a stricter policy with `sandbox`).
"""

from flask import Flask, current_app, has_request_context, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from workflow.errors import N_

from .errors import answer

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=31536000"

CSRF_HEADING = N_("The form could not be accepted")
CSRF_TEXT = N_(
    "The form had expired, or it was not sent from a page of this site. Nothing was changed. "
    "Please go back, reload the page and try again."
)


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def secure_cookies() -> bool:
    """Cookies are sent Secure when this request came over HTTPS (request.is_secure: behind a proxy,
    once TRUSTED_PROXIES lets ProxyFix believe X-Forwarded-Proto), or always with SECURE_COOKIES."""
    return has_request_context() and (request.is_secure or bool(current_app.config.get("SECURE_COOKIES")))


class Response(Flask.response_class):
    """Every cookie (the session, Flask-Login's remember cookie, any other) is Secure over HTTPS.

    Flask's SESSION_COOKIE_SECURE and Flask-Login's REMEMBER_COOKIE_SECURE are fixed at start-up, while
    one server may answer both schemes; and the session cookie is written after every after_request
    hook, so the decision is made where each cookie is set."""

    def set_cookie(self, key: str, *args, **kwargs) -> None:
        if secure_cookies():
            kwargs["secure"] = True
        super().set_cookie(key, *args, **kwargs)


def form_refused(exc: CSRFError):
    """A form without a valid CSRF token (expired, or posted from another site): 400, saying so."""
    return answer(400, gettext(CSRF_TEXT), heading=gettext(CSRF_HEADING))


SERVER_NAME = "proposals"  # what the Server header says: no server software, no version


def name_no_server_software() -> None:
    """Werkzeug's development server (`flask run`) names itself and Python, with their versions, in the
    Server header of every answer; gunicorn's is set in gunicorn.conf.py."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_NAME


def init_app(app: Flask) -> None:
    """Install the headers, the cookie rule and the CSRF page (after every blueprint is registered)."""
    name_no_server_software()
    app.response_class = Response
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, form_refused)
    # a blueprint's own handler for 400 would otherwise answer a refused form as whatever 400 means
    # there; a blueprint with a CSRFError handler of its own (login, administration) keeps it
    for name in app.blueprints:
        handlers = app.error_handler_spec[name][400]
        if handlers and CSRFError not in handlers:
            handlers[CSRFError] = form_refused
