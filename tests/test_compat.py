"""proposals/compat.py: the parts of the libraries used beyond their public APIs, pinned to the versions
they were written for. A failure here after an upgrade names the part to look at again."""

from importlib.metadata import version

import flask_babel
from flask import g
from flask_babel import force_locale, get_domain
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from proposals.compat import FLASK_BABEL, SQLALCHEMY, babel_context, babel_domain_cache, mark_written, set_babel_domain
from proposals.extensions import db
from proposals.i18n import RequestDomain, catalog, gettext
from proposals.models import Category

# -- Flask-Babel / WTForms ---------------------------------------------------------------------------


def test_outside_any_application_context_there_is_no_babel_context():
    assert babel_context() is None


def test_flask_babel_is_the_release_series_the_compat_section_was_written_for():
    assert version("flask-babel").startswith(FLASK_BABEL + "."), "read proposals/compat.py again, then move the pin"
    assert hasattr(flask_babel, "_get_current_context")


def test_the_babel_context_is_the_one_flask_babel_keeps_and_resets(app):
    with app.app_context(), app.test_request_context():
        get_domain()  # Flask-Babel makes its namespace on its first look-up
        context = babel_context()
        assert context is g._flask_babel and context.babel_domain is get_domain()
        chinese = catalog()
        assert context.babel_translations is chinese and gettext("Not found.") != "Not found."
        with force_locale("en"):  # resets what is kept on the context: the catalog follows the locale
            assert context.babel_translations is None
            assert gettext("Not found.") == "Not found."
        assert catalog() is chinese


def test_the_application_domain_is_the_one_get_domain_returns(app):
    with app.test_request_context():
        assert isinstance(get_domain(), RequestDomain)
        assert get_domain().get_translations() is catalog()
    other = RequestDomain(domain="messages")
    set_babel_domain(app, other)
    with app.app_context(), app.test_request_context():  # (a new application context: a new g)
        assert get_domain() is other
    assert babel_domain_cache(app.extensions["babel"].instance) is other.cache


def test_a_checkbox_list_reads_its_options_through_the_public_iter_choices(app):
    from flask_wtf import FlaskForm

    from proposals.web.lists import CheckboxList

    class Form(FlaskForm):
        pick = CheckboxList(choices=[SelectChoice("a", "Alpha"), SelectChoice("b", "Beta")])

    assert version("wtforms").split(".")[0] == "3"
    with app.test_request_context(method="POST", data=MultiDict([("pick", "b")])):
        options = list(Form(meta={"csrf": False}).pick)
    assert [(o.data, o.label.text, o.checked) for o in options] == [("a", "Alpha", False), ("b", "Beta", True)]


def test_wtforms_is_the_release_series_direct_render_option_was_written_for():
    from wtforms import widgets

    from proposals.compat import WTFORMS, DirectRenderOption
    from proposals.web.lists import FilterSelect

    assert version("wtforms").startswith(WTFORMS + "."), "read proposals/compat.py again, then move the pin"
    assert hasattr(widgets.Select, "_dispatch_render_option")  # the hook the mixin answers
    assert FilterSelect._dispatch_render_option() == FilterSelect.render_option
    assert issubclass(FilterSelect, DirectRenderOption)


# -- SQLAlchemy -----------------------------------------------------------------------------------------


def test_sqlalchemy_is_the_release_series_mark_written_was_written_for():
    assert version("sqlalchemy").startswith(SQLALCHEMY + "."), "read proposals/compat.py again, then move the pin"


def test_an_entity_whose_changes_were_written_by_hand_leaves_the_list_of_modified_ones(app):
    with app.app_context():
        category = Category(name="公共设施", code="t-compat")
        db.session.add(category)
        db.session.commit()
        category.name = "公共设施与环境"
        assert category in db.session.dirty
        set_committed_value(category, "name", "公共设施与环境")  # as if written by an UPDATE of one's own
        assert inspect(category).committed_state == {}
        state = inspect(category)
        assert state in db.session.identity_map._modified  # still planned for at each flush: why mark_written is
        mark_written(category, db.session)
        assert state not in db.session.identity_map._modified and category not in db.session.dirty
        db.session.rollback()
