"""The application as a package: the wheel carries what it needs to migrate and to render in Chinese,
and a checkout never serves English pages silently (its catalogs are compiled at start, or it refuses)."""

import errno
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from proposals import catalogs, create_app
from proposals.paths import CHECKOUT

# what a build needs of the repository (the rest, tests/ and bench/, stays out of the wheel anyway)
SOURCES = (
    "pyproject.toml",
    "setup.py",
    "README.md",
    "proposals",
    "workflow",
    "templates",
    "translations",
    "migrations",
)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.egg-info", "build", "dist")


def run(*args, cwd, env=None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel .` of a copy of the repository (without build isolation: offline, with the dev tools)."""
    top = tmp_path_factory.mktemp("build")
    source = top / "source"
    source.mkdir()
    for name in SOURCES:
        if (CHECKOUT / name).is_dir():
            shutil.copytree(CHECKOUT / name, source / name, ignore=IGNORED)
        else:
            shutil.copy2(CHECKOUT / name, source / name)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(top / "dist"),
        ".",
        cwd=source,
    )
    (found,) = (top / "dist").glob("proposals-*.whl")
    return found


def test_the_wheel_holds_templates_static_files_compiled_catalogs_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "proposals/templates/base.html",
        "proposals/templates/admin/categories.html",
        "proposals/static/css/app.css",
        "proposals/static/favicon.svg",
        "proposals/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
        "proposals/migrations/env.py",
        "proposals/migrations/alembic.ini",
        "proposals/migrations/script.py.mako",
        "workflow/__init__.py",
    } <= names
    revisions = {p.name for p in (CHECKOUT / "migrations" / "versions").glob("*.py")}
    assert revisions and {f"proposals/migrations/versions/{r}" for r in revisions} <= names
    assert not [n for n in names if n.endswith(".po") or n.startswith(("tests/", "templates/", "migrations/"))]


def test_installed_from_the_wheel_it_migrates_creates_a_user_and_serves_chinese(wheel, tmp_path):
    """A fresh virtualenv holding only the wheel (the dependencies reused from this one through a .pth,
    so nothing is downloaded), used from an empty folder with DATABASE_URL and SECRET_KEY alone."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--target",
        str(site),
        str(wheel),
        cwd=tmp_path,
    )
    (site / "reuse-the-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INSTANCE_PATH", "FLASK_APP")}
    env |= {"DATABASE_URL": f"sqlite:///{folder / 'proposals.sqlite'}", "SECRET_KEY": "a-key-for-the-test"}
    flask = (str(python), "-m", "flask", "--app", "proposals")
    run(*flask, "db", "upgrade", cwd=folder, env=env)
    created = run(
        *flask,
        "create-user",
        "chair",
        "--name",
        "王主席",
        "--password",
        "Gonghui#2026",
        "--role",
        "union_admin",
        cwd=folder,
        env=env,
    )
    assert "chair" in created
    check = """
import os
import re
import proposals
from proposals import create_app
assert proposals.__file__.startswith(os.environ["WHEEL_SITE"]), proposals.__file__  # the wheel's, not the checkout's
app = create_app()
client = app.test_client()
https = {"base_url": "https://localhost"}  # (the session cookie is Secure outside tests)
login = client.get("/login", **https)
assert login.status_code == 200 and '<html lang="zh-Hans-CN">' in login.text and "登录" in login.text, login.text
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text).group(1)
data = {"username": "chair", "password": "Gonghui#2026", "csrf_token": token}
referer = {"Referer": "https://localhost/login"}  # (Flask-WTF checks it on https)
assert client.post("/login", data=data, headers=referer, **https).location == "/"
home = client.get("/admin/", **https)
assert "开始使用" in home.text and "提案类别" in home.text, home.text
assert client.get("/static/css/app.css", **https).status_code == 200
print("ok", app.template_folder)
"""
    out = run(str(python), "-c", check, cwd=folder, env={**env, "WHEEL_SITE": str(site)})
    assert out.startswith("ok " + str(site / "proposals" / "templates"))
    assert (folder / "instance").is_dir() and not (CHECKOUT / "proposals" / "templates").exists()


# -- catalogs at start, in a checkout ------------------------------------------------------------------


@pytest.fixture
def translations(tmp_path) -> Path:
    """A copy of the checkout's translations, without compiled catalogs."""
    copy = tmp_path / "translations"
    shutil.copytree(CHECKOUT / "translations", copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    return copy


def test_missing_or_stale_catalogs_are_compiled_at_start(translations):
    mo = translations / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"
    assert catalogs.stale(translations) == [mo]
    catalogs.ensure_compiled(translations, ["zh_Hans_CN"])
    assert mo.is_file() and catalogs.stale(translations) == []
    part = next((translations / "zh_Hans_CN" / "parts").glob("*.po"))
    older = part.stat().st_mtime - 10  # a part edited after the catalog was compiled
    os.utime(mo, (older, older))
    assert catalogs.stale(translations) == [mo]
    catalogs.ensure_compiled(translations, ["zh_Hans_CN"])
    assert catalogs.stale(translations) == [] and mo.stat().st_mtime > older


def test_where_the_catalogs_cannot_be_written_the_application_refuses_to_start(translations, monkeypatch):
    def refused(*args, **kwargs):  # (the suite may run as root, whom file modes do not stop)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(catalogs.tempfile, "mkstemp", refused)
    monkeypatch.setattr("proposals.TRANSLATIONS", translations)
    with pytest.raises(
        catalogs.CatalogError, match=r"cannot be compiled here \(Permission denied\): run `make catalogs`"
    ):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not list(translations.rglob("*.mo"))


def test_an_install_without_compiled_catalogs_refuses_to_start(tmp_path, monkeypatch):
    (tmp_path / "zh_Hans_CN" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.setattr("proposals.TRANSLATIONS", tmp_path)
    with pytest.raises(catalogs.CatalogError, match="No compiled message catalog for zh_Hans_CN"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_make_run_takes_host_and_port():
    if shutil.which("make") is None:
        pytest.fail("make is needed: it is how the README starts the application")
    default = run("make", "-n", "run", cwd=CHECKOUT)
    assert "run --host 127.0.0.1 --port 5000" in default
    chosen = run("make", "-n", "run", "HOST=0.0.0.0", "PORT=8123", cwd=CHECKOUT)
    assert "run --host 0.0.0.0 --port 8123" in chosen
