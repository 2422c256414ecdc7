"""The password policy (口令策略, 等保2.0 第三级 身份鉴别): the one rule behind every place a password is set
(one's own change, an administrator's create or reset on the pages and the API, the roster import, the
`create-user` command, the forgotten-password link).

A password has at least MIN_LENGTH characters of at least MIN_CLASSES of four kinds (capital letters,
small letters, digits, symbols), does not contain the user name, and is not a common or easily guessed
one. That last judgement is zxcvbn's (Dropbox's estimator, with its lists of leaked passwords, words and
names): we refuse what it scores below MIN_SCORE, or finds whole in its list of common passwords.

Also here: generating an initial password (one the system makes up and the user must change at the
first login), which always satisfies the policy.
"""

import re
import secrets
import string

from zxcvbn import zxcvbn

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import message

MIN_LENGTH = 8
MIN_CLASSES = 3
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline slow-hash scenario"
# zxcvbn's work grows with the length; beyond this, the first characters decide (and are long enough)
ESTIMATED_LENGTH = 64
# a user name this short (e.g. "li") would forbid half the passwords without making any weaker
MIN_NAME_IN_PASSWORD = 3

HINT = N_(
    "At least 8 characters with three of: capital letters, small letters, digits, symbols; "
    "not containing the user name; not a common password."
)
TOO_SHORT = N_("At least %(min)d characters.")
TOO_FEW_CLASSES = N_("Use at least three of: capital letters, small letters, digits, symbols.")
CONTAINS_USERNAME = N_("The password must not contain the user name.")
TOO_COMMON = N_("This password is too common or too easy to guess. Please choose another.")

_CLASSES = (str.isupper, str.islower, str.isdigit)


def character_classes(password: str) -> int:
    """How many of the four kinds of character the password uses (a symbol: anything not a letter or digit)."""
    kinds = [any(test(c) for c in password) for test in _CLASSES]
    kinds.append(any(not c.isalnum() for c in password))
    return sum(kinds)


def problems(password: str, username: str | None, others=()) -> list[tuple[str, dict]]:
    """What is wrong with `password` for the account `username` (empty: nothing). `others` are further
    words of the account (the person's name, the e-mail address) that make a password easy to guess."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(message(TOO_SHORT, {"min": MIN_LENGTH}))
    if character_classes(password) < MIN_CLASSES:
        found.append(message(TOO_FEW_CLASSES))
    name = (username or "").strip().casefold()
    if len(name) >= MIN_NAME_IN_PASSWORD and name in password.casefold():
        found.append(message(CONTAINS_USERNAME))
    if not found and _guessable(password, [w for w in (username, *others) if w]):
        found.append(message(TOO_COMMON))
    return found


def _words(texts) -> list[str]:
    """The account's words as zxcvbn should know them: each text, its parts, and its parts run together
    ("Wang Xiaoming", "wang.xm@example.cn": wang, xiaoming, wangxiaoming, wang.xm, ...)."""
    words = []
    for text in texts:
        text = str(text)[:100]
        parts = [p for p in re.split(r"[\s@._+-]+", text) if p]
        words += [text, *parts, "".join(parts)]
    return list(dict.fromkeys(w for w in words if w))


def _guessable(password: str, user_inputs: list[str]) -> bool:
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=_words(user_inputs))
    if estimate["score"] < MIN_SCORE:
        return True
    return any(
        match.get("pattern") == "dictionary"
        and match.get("dictionary_name") == "passwords"
        and len(match["token"]) >= len(password)
        for match in estimate["sequence"]
    )


def check(password: str, username: str | None, others=(), field: str = "password") -> None:
    """Raise InvalidPayload on `field` with the first thing wrong with the password."""
    found = problems(password, username, others)
    if found:
        raise InvalidPayload({field: found[0]})


def initial_password(username: str | None = None) -> str:
    """A new random password that satisfies the policy for `username` (for an account whose password the
    system sets: the user must change it at the first login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(12))
        candidate = f"{core[:4]}-{core[4:8]}-{core[8:]}"  # easy to read out and type
        if not problems(candidate, username):
            return candidate
