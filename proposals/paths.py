"""Where the application's own files are: beside the package in a checkout, inside it when installed.

A checkout keeps templates/, translations/ and migrations/ at the top of the repository; the wheel
carries them inside the package (setup.py copies them in at build time), where the static files
always are. Whichever holds them is used, so one code path serves both.
"""

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


def resource(name: str) -> Path:
    """The folder `name` (templates, translations, migrations): the package's own when installed."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else CHECKOUT / name


# installed: the templates came inside the package (a checkout never has proposals/templates)
INSTALLED = (PACKAGE / "templates").is_dir()
TEMPLATES = resource("templates")
TRANSLATIONS = resource("translations")
MIGRATIONS = resource("migrations")


def instance_path() -> Path:
    """This installation's own files (instance/config.py, secret_key, the SQLite database, attachments):
    INSTANCE_PATH when set; else the checkout's instance/, or, installed, instance/ in the working folder."""
    if os.environ.get("INSTANCE_PATH"):
        return Path(os.environ["INSTANCE_PATH"]).resolve()
    return (Path.cwd() if INSTALLED else CHECKOUT) / "instance"
