"""Language: Simplified Chinese by default, English on request and remembered."""

from flask import current_app, request, session
from flask_babel import gettext
from flask_login import current_user

SUPPORTED = {"zh": "zh_Hans_CN", "zh_hans_cn": "zh_Hans_CN", "zh_cn": "zh_Hans_CN", "en": "en"}


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's choice, then Accept-Language, then Chinese."""
    wanted = request.args.get("lang")
    if wanted and wanted.lower().replace("-", "_") in SUPPORTED:
        session["lang"] = SUPPORTED[wanted.lower().replace("-", "_")]
    if session.get("lang"):
        return session["lang"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translate(msg) -> str:
    """Translate an engine message: a msgid, or (msgid, params)."""
    if isinstance(msg, tuple):
        msgid, params = msg
        return gettext(msgid, **params)
    return gettext(msg)


def translate_error(exc) -> str:
    return gettext(exc.message, **{k: v for k, v in exc.params.items() if not isinstance(v, (list, tuple))})
