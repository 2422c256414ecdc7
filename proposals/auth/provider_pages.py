"""The pages of signing in through a provider: /login/with/<name> sends the browser to the provider, and
/login/with/<name>/callback takes its answer, finds the account (proposals/auth/external.py) and logs it
in through proposals/auth/sessions.start(), or, where the provider's login does not count as a second
factor and the account has one, asks for its code first (proposals/auth/second_factor.py).

Every answer taken counts as a failed login of the caller's address until it logs someone in (the
address's login limit, proposals/auth/throttle.py); the attempt is named after whom it turned out to be.
Logging out of a provider's login also logs out at the provider where it offers RP-initiated logout.
"""

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
from ..i18n import translate_error
from . import providers, sessions, throttle, totp
from .external import ExternalLoginRefused, provider_label, sign_in
from .forms import LoginForm
from .providers import ProviderError
from .routes import bp, home_url, safe_next
from .throttle import LoginThrottled, client_address

NEXT = "sign_in_next"
PROVIDER_LOGIN = "provider_login"  # which provider this browser's login came through (for logging out)


def init_app(app) -> None:
    app.jinja_env.globals["sign_in_choices"] = sign_in_choices


def sign_in_choices(target: str | None = None) -> list[tuple[str, str]]:
    """The login page's buttons: (address, label) of each configured provider, in the configured order."""
    return [
        (url_for("auth.provider_login", name=name, next=target or None), provider_label(provider))
        for name, provider in providers.configured().items()
    ]


def _provider(name: str) -> providers.Provider:
    provider = providers.get(name)
    if provider is None:
        abort(404)
    return provider


def _callback_url(name: str) -> str:
    return url_for("auth.provider_callback", name=name, _external=True)


def _refused(error: str, status: int, headers: dict | None = None):
    form = LoginForm()
    form.next.data = ""
    return render_template("auth/login.html", form=form, error=error), status, headers or {}


@bp.get("/login/with/<name>")
def provider_login(name: str):
    """Go to the provider's sign-in page."""
    provider = _provider(name)
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or home_url())
    session[NEXT] = target or ""
    try:
        return provider.begin(_callback_url(name))
    except ProviderError as exc:
        return _refused(translate_error(exc), 502)


@bp.get("/login/with/<name>/callback")
def provider_callback(name: str):
    """Take the provider's answer: log the person in, or say why not."""
    provider = _provider(name)
    address = client_address()
    try:
        attempt = throttle.admit_address(f"{name}:", address)
    except LoginThrottled as exc:
        return _refused(translate_error(exc), 429, {"Retry-After": str(exc.retry_after)})
    target = safe_next(session.pop(NEXT, None))
    try:
        identity = provider.finish(_callback_url(name))
    except ProviderError as exc:
        db.session.rollback()
        return _refused(translate_error(exc), 400)
    try:
        user = sign_in(provider, identity)
    except ExternalLoginRefused as exc:
        db.session.commit()  # the refusal's audit row, nothing else
        throttle.name_attempt(attempt, f"{name}:{identity.username or identity.subject}")
        return _refused(translate_error(exc), 403)
    db.session.commit()
    throttle.name_attempt(attempt, user.username, succeeded=True)
    session[PROVIDER_LOGIN] = {"provider": name, "user": user.id, "id_token": identity.id_token}
    second_factor = provider.counts_as_second_factor(identity)
    if not second_factor and totp.needed(user):
        from .second_factor import begin as ask_second_factor

        return ask_second_factor(user, target)
    sessions.start(user, second_factor=second_factor, address=address)
    return redirect(target or home_url())


def logout_target() -> str | None:
    """Where to send a browser that logs out now, if its login came through a provider that offers
    RP-initiated logout: that provider's end-session page (which sends it back to our login page)."""
    login = session.pop(PROVIDER_LOGIN, None)
    if not isinstance(login, dict) or login.get("user") != getattr(current_user, "id", None):
        return None
    provider = providers.get(login.get("provider"))
    if provider is None:
        return None
    return provider.logout_url(login.get("id_token"), url_for("auth.login", _external=True))
