"""Language: Simplified Chinese by default, English on request and remembered.

Messages are English msgids everywhere (marked with `N_()` where they are defined, translated with
`gettext` where they are shown); English pages show the msgids themselves, Chinese pages the catalog
in translations/zh_Hans_CN. The catalogs are compiled by proposals/catalogs.py: when the package is built,
by `make catalogs`, and at start in a checkout (proposals.catalogs.ensure_compiled).
"""

from pathlib import Path
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import current_app, has_request_context, request, session
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user

from workflow import LIFECYCLE
from workflow.errors import N_

from . import catalogs
from .catalogs import catalog_parts, merged_catalog  # noqa: F401  (where they were)
from .compat import babel_context, set_babel_domain
from .labels import state_label  # the one name of a state (where it was)
from .paths import TRANSLATIONS
from .routing import is_api_request
from .session_status import status_label, status_of

SUPPORTED = {"zh": "zh_Hans_CN", "zh_hans_cn": "zh_Hans_CN", "zh_cn": "zh_Hans_CN", "en": "en"}

ROLE_LABELS = {
    "worker": N_("Worker"),
    "delegate": N_("Delegate"),
    "delegation_head": N_("Delegation head"),
    "committee": N_("Proposal committee member"),
    "department_handler": N_("Department liaison"),
    "supervisor": N_("Supervisor"),
    "union_admin": N_("Union administrator"),
    "leader": N_("Leader"),
}


def remember_language() -> None:
    """Keep a ?lang= choice in the session, even on a request that only redirects."""
    wanted = request.args.get("lang")
    if wanted and wanted.lower().replace("-", "_") in SUPPORTED:
        session["lang"] = SUPPORTED[wanted.lower().replace("-", "_")]


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's choice, then Chinese.

    Pages speak Chinese unless someone asks for English: a browser's own language setting is no such
    request (intranet machines often run an English system). The JSON API follows Accept-Language,
    as its contract says.
    """
    if not has_request_context():  # command-line tools speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    remember_language()
    if session.get("lang"):
        return session["lang"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    if is_api_request():
        best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
        if best and best.startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def role_label(role: str) -> str:
    return gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else role


# (msgids come from variables here: a literal inside gettext() would be extracted as a msgid)


def event_label(event: str) -> str:
    spec = LIFECYCLE.events.get(event)
    return gettext(spec.label) if spec else event


def _shown(params: dict) -> dict:
    """Message parameters as people read them: states and events by their quoted labels, lists dropped."""
    shown = {}
    for key, value in params.items():
        if isinstance(value, list | tuple | set | frozenset):
            continue
        if key == "state" and value in LIFECYCLE.states:
            value = "“" + state_label(value) + "”"
        elif key == "event" and value in LIFECYCLE.events:
            value = "“" + event_label(value) + "”"
        shown[key] = value
    return shown


def translate(msg) -> str:
    """Translate an engine message: a msgid, or (msgid, params)."""
    if isinstance(msg, tuple):
        msgid, params = msg
        return gettext(msgid, **_shown(params))
    return gettext(msg)


def translate_error(exc) -> str:
    """Translate a WorkflowError's message, naming states and events by their labels."""
    return gettext(exc.message, **_shown(exc.params))


# -- pages ----------------------------------------------------------------------------------------


def html_lang() -> str:
    """The page's `lang` attribute (BCP 47): zh-Hans-CN or en."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else "zh-Hans-CN"


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def switch_language_url(lang: str) -> str:
    """This page's address with ?lang= set, so the choice applies here and is remembered."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return request.script_root + request.path + "?" + urlencode(args, doseq=True)


# -- the catalog of a request ----------------------------------------------------------------------


def catalog():
    """The Translations of this request and locale, looked up once and kept on Flask-Babel's context.

    Flask-Babel 4 finds its context three times, works out the locale's name and looks the catalog up
    in its cache for every message (a page asks for a few hundred). Its force_locale() and refresh()
    still reset the context's `babel_translations`, the per-context cache its earlier versions kept:
    keeping the catalog there again makes `_()` an attribute and a dict look-up, and follows a forced
    locale (mail in the recipient's language) exactly as before.
    """
    context = babel_context()
    if context is None:  # no application context: the msgids themselves
        return NullTranslations()
    found = getattr(context, "babel_translations", None)
    if found is None:
        found = context.babel_translations = Domain.get_translations(get_domain())
    return found


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext through the request's catalog."""
    translated = catalog().ugettext(string)
    return translated % variables if variables else translated


class RequestDomain(Domain):
    """Flask-Babel's message domain, through the request's catalog (for gettext() in Python code)."""

    def get_translations(self):
        return catalog()


def install_catalog(app) -> None:
    """Every gettext, in Python code and in templates, through catalog()."""
    babel = app.extensions["babel"]
    set_babel_domain(app, RequestDomain(domain=babel.default_domain))
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    )


def init_app(app) -> None:
    """Remember ?lang= on every request, and offer the language helpers to every template."""
    install_catalog(app)
    app.before_request(remember_language)
    app.add_template_global(html_lang)
    app.add_template_global(is_english)
    app.add_template_global(switch_language_url)
    app.add_template_global(role_label)
    app.add_template_global(state_label)
    app.add_template_global(event_label)
    app.add_template_global(status_of, "session_status")
    app.add_template_global(status_label, "session_status_label")


def compile_translations(directory: Path | str = TRANSLATIONS, force: bool = False) -> list[Path]:
    """proposals.catalogs.compile_translations, of this application's translations unless told."""
    return catalogs.compile_translations(directory, force)
