"""What a page takes from a person, read in one place: the text of query strings and form fields, and
whole numbers.

Text follows the API's own two kinds (workflow.payload `Line` and `Text`), checked by the same function:
every query-string argument of a page is single-line (a search, a cursor, a filter, an address to go
back to), and every form field is at least multi-line text. A request with a character no such text may
hold (NUL, which PostgreSQL cannot store, other control characters, half a UTF-16 pair) is refused with
400 before any view reads it, so nothing reaches the database. A form's single-line fields (titles,
names, codes) are refused with a message next to the field by the operation that takes them, which
checks them as `Line`; a field no operation takes checks itself with `one_line`.

A whole number in a query string or a form is read with `number_arg`, within the 64-bit range
(`whole_number`) and the bounds of what it counts: a page beyond them does not exist (404), as an id
beyond any integer column names nothing.
"""

from flask import abort, request
from flask_babel import gettext
from wtforms.validators import ValidationError

from workflow.errors import N_
from workflow.payload import text_problem, whole_number

from .errors import answer
from .i18n import translate
from .routing import is_api_request

MAX_ID = 2**31 - 1  # the largest id an integer column holds (PostgreSQL's integer)

REFUSED_HEADING = N_("The request contains characters that cannot be taken")
REFUSED_TEXT = N_(
    "Something you sent contains control characters (such as a NUL byte, or a line break where only one "
    "line belongs), which no text here may hold. Nothing was changed. Please remove them and try again."
)


def refuse_control_characters():
    """Refuse (400) a page request whose query string or form holds what no text here may hold."""
    if is_api_request():  # the API checks its own arguments and bodies, naming each field
        return None
    texts = [(value, False) for item in request.args.items(multi=True) for value in item]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [text for name, value in request.form.items(multi=True) for text in ((name, False), (value, True))]
        texts += [(name, False) for name in request.files]
    if any(text_problem(value, multiline=multiline) for value, multiline in texts):
        return answer(400, gettext(REFUSED_TEXT), heading=gettext(REFUSED_HEADING))
    return None


def one_line(form, field) -> None:
    """A WTForms validator: the field's text is single-line text, as `Line` says."""
    problem = text_problem((field.data or "").strip(), multiline=False)
    if problem:
        raise ValidationError(translate(problem))


def number_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID):
    """The whole number given as `name` in the query string, `default` when it is not given; anything
    else, or a number outside minimum..maximum, names nothing: 404."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = whole_number(raw)
    if number is None or not minimum <= number <= maximum:
        abort(404)
    return number


def id_or_nothing(raw) -> int | None:
    """The id (or page number) `raw` spells, or None when it spells none an integer column could hold."""
    number = whole_number(raw) if raw is not None else None
    return number if number is not None and 1 <= number <= MAX_ID else None
