"""The message catalogs: each locale's messages.po merged with its areas' parts/*.po, compiled to .mo.

Babel alone, no Flask: setup.py loads this file to compile the catalogs into the wheel it builds, and
the application uses it at start in a checkout (ensure_compiled), so that pages never fall back to
English silently.
"""

import os
import tempfile
from pathlib import Path

COMPILE_COMMAND = "make catalogs"


class CatalogError(RuntimeError):
    """The compiled catalogs are missing or out of date and cannot be written: said at start-up."""


def merged_catalog(po: Path):
    """A locale's catalog: LC_MESSAGES/messages.po, plus each area's parts/*.po beside LC_MESSAGES.

    Areas of the application keep their translations in parts of their own, so that people working
    on different areas never edit the same file; where a part translates a msgid, its wording wins
    (the area knows the context it is read in).
    """
    from babel.messages.pofile import read_po

    locale = po.parent.parent.name
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    for part in catalog_parts(po):
        with part.open("rb") as f:
            for message in read_po(f, locale=locale):
                if not message.id:
                    continue
                if message.string:
                    catalog[message.id] = message
    return catalog


def catalog_parts(po: Path) -> list[Path]:
    return sorted((po.parent.parent / "parts").glob("*.po"))


def compile_translations(directory: Path | str, force: bool = False) -> list[Path]:
    """Compile each messages.po (with its parts) whose .mo is missing or older; return the .mo files written.

    Like `pybabel compile -d translations` (fuzzy entries are left out), but merging each area's
    parts. The .mo is written beside the .po atomically.
    """
    from babel.messages.mofile import write_mo

    written = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        sources = [po, *catalog_parts(po)]
        if not force and mo.exists() and all(mo.stat().st_mtime >= src.stat().st_mtime for src in sources):
            continue
        catalog = merged_catalog(po)
        fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog, use_fuzzy=False)
            os.replace(tmp, mo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written


def stale(directory: Path | str) -> list[Path]:
    """The .mo files of `directory` that are missing or older than one of their sources."""
    found = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or any(mo.stat().st_mtime < src.stat().st_mtime for src in [po, *catalog_parts(po)]):
            found.append(mo)
    return found


def ensure_compiled(directory: Path | str, locales: list[str]) -> None:
    """Compile what is missing or stale; refuse (CatalogError, saying what to run) where that cannot be
    written, or where a locale has no compiled catalog at all (an install without its .mo files)."""
    directory = Path(directory)
    if stale(directory):
        try:
            compile_translations(directory)
        except OSError as exc:
            raise CatalogError(
                f"The message catalogs in {directory} are missing or older than their .po files, and they cannot "
                f"be compiled here ({exc.strerror or exc}): run `{COMPILE_COMMAND}` in the checkout as a user who "
                "may write there (or `python -c 'from proposals.i18n import compile_translations; "
                "compile_translations(force=True)'`), then start again."
            ) from None
    missing = [locale for locale in locales if not any((directory / locale / "LC_MESSAGES").glob("*.mo"))]
    if missing:
        raise CatalogError(
            f"No compiled message catalog for {', '.join(missing)} in {directory}: the pages would be in English. "
            "Install a wheel built with `pip wheel .` (it compiles them), or in a checkout run "
            f"`{COMPILE_COMMAND}`."
        )
