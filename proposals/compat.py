"""What this application needs of its libraries beyond their public APIs, in one place, each part pinned
by tests/test_compat.py to the versions it was written against: when a library moves, the test that
fails says which part to look at again. Each library has its own section.
"""

# -- Flask-Babel / WTForms ---------------------------------------------------------------------------
#
# Flask-Babel 4 finds its context and the locale for every message, and offers no public way to keep the
# catalog of a request or to give the application a domain of its own (proposals/i18n.py says why both
# matter). Two private parts are used for that, here only:
#   - its per-context namespace (flask_babel._get_current_context), where force_locale() and refresh()
#     reset `babel_translations`, so that a catalog kept there follows a forced locale;
#   - `domain_instance`, the cached property of its configuration that get_domain() hands out, replaced
#     by the application's domain (Domain.as_default() does so for one request only).
# WTForms: a choice field's options come from its public iter_choices(). One private hook is used: WTForms
# 3.3 looks at the signature of a Select widget's render_option on every render (_dispatch_render_option),
# which DirectRenderOption answers once, for a render_option(choice, **kwargs) of the current form.

from flask import g
from flask_babel import Domain

FLASK_BABEL = "4.0"  # the release series the two parts below were written for
WTFORMS = "3.3"  # and the one DirectRenderOption was


def babel_context():
    """Flask-Babel's namespace of the current application context; None outside any."""
    try:
        return g._flask_babel  # made by Flask-Babel on its first look-up
    except AttributeError:
        from flask_babel import _get_current_context

        return _get_current_context()
    except RuntimeError:  # no application context
        return None


def set_babel_domain(app, domain: Domain) -> None:
    """Make `domain` the one get_domain() returns, in and out of requests."""
    app.extensions["babel"].instance.domain_instance = domain  # (a cached_property: set, it stays)


def babel_domain_cache(babel) -> dict | None:
    """The translations the domain in use keeps per locale (to forget after compiling the catalogs)."""
    domain = vars(babel).get("domain_instance")
    return None if domain is None else domain.cache


class DirectRenderOption:
    """A mixin for a widgets.Select whose render_option(choice, **kwargs) WTForms may call as it is."""

    @classmethod
    def _dispatch_render_option(cls):
        return cls.render_option


# -- SQLAlchemy --------------------------------------------------------------------------------------
#
# operations/events.update_row writes a proposal's changed columns as one guarded UPDATE of its own and
# then marks them written (the public set_committed_value). An entity whose every change is written that
# way still sits on the session's list of modified objects, and every later flush of the transaction plans
# for it again. The ORM offers no public way to take it off that list; InstanceState._commit_all, what the
# unit of work itself calls after a flush, does it. Used here only.

SQLALCHEMY = "2.1"  # the release series mark_written was written for


def mark_written(entity, session) -> None:
    """Tell the ORM that `entity` has nothing left to flush (its changes were written by hand)."""
    from sqlalchemy import inspect

    state = inspect(entity)
    state._commit_all(state.dict, session.identity_map)
