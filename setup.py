"""The build hook: the wheel carries the templates, the migrations and the compiled catalogs.

They live at the top of the repository (templates/, migrations/, translations/); a wheel holds only
packages, so build_py copies them into the built `proposals` package, and compiles each locale's
catalog (messages.po with its parts) to messages.mo there. The application finds them inside the
package when installed, beside it in a checkout (proposals/paths.py). Everything else is in
pyproject.toml.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = ("templates", "migrations", "translations")


def _catalogs():
    """proposals/catalogs.py (babel alone), without importing the application and its dependencies."""
    spec = importlib.util.spec_from_file_location("_proposals_catalogs", HERE / "proposals" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads them from the checkout
            return
        package = Path(self.build_lib) / "proposals"
        for name in DATA:
            target = package / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.pot", ".*")
            )
        written = _catalogs().compile_translations(package / "translations", force=True)
        if not written:
            raise SystemExit("no message catalog was compiled: translations/*/LC_MESSAGES/*.po is missing")
        for po in (package / "translations").rglob("*.po"):  # the wheel needs the compiled catalogs only
            po.unlink()


setup(cmdclass={"build_py": BuildWithData})
