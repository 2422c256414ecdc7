"""Every script in bench/ runs to its end at a tiny size, so that none rots unnoticed (bench/web.py once
did: its statistics target looked for a query the statistics rewrite no longer sends).

Only that they run and report is checked here, never a figure: the machine is shared.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = {
    "engine.py": ["--db", "sqlite", "--lifecycles", "2", "--rounds", "1"],
    "web.py": [
        "--db",
        "sqlite",
        "--proposals",
        "30",
        "--workers",
        "1",
        "--threads",
        "1",
        "--clients",
        "1",
        "--seconds",
        "0.3",
        "--warmup",
        "0.1",
    ],  # fmt: skip
    "scale.py": ["--sizes", "60,120", "--runs", "1"],
    "roster.py": ["--db", "sqlite", "--rows", "40", "--present-rows", "1"],
}
LIBRARIES = {"webapp.py"}  # imported by a script above, not run on its own


def test_every_script_in_bench_has_a_smoke_test():
    scripts = {p.name for p in (ROOT / "bench").glob("*.py")}
    assert scripts == set(BENCHES) | LIBRARIES


def run(script: str, args: list[str] | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "SCALE_DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *(BENCHES[script] if args is None else args)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return done.stdout


def test_the_engine_bench_runs():
    out = run("engine.py")
    for variant in ("ours", "sql", "spiff"):
        assert f"  {variant} " in out


def test_the_web_bench_runs_every_page_and_its_bare_route():
    out = run("web.py")
    rows = [line.split("|") for line in out.splitlines() if line.startswith("| ") and "endpoint" not in line]
    assert sorted({r[1].strip() for r in rows}) == ["detail", "event", "list", "stats"]  # (live, then summed up)
    assert all(int(r[5]) == 0 for r in rows), out  # no errors on either side


def test_the_scale_bench_runs():
    out = run("scale.py")
    assert "list at 120 within 2x of 60" in out and "stats at 120 under 1 s" in out


GROUP_ROLES = (
    "worker",
    "delegate",
    "committee (company)",
    "department liaison",
    "union staff (company)",
    "leader (company)",
    "committee (grassroots)",
)


def test_the_scale_bench_runs_a_group_against_one_union_for_every_role():
    out = run("scale.py", ["--group", "--group-size", "3,150,120", "--baseline-size", "1,70,60", "--runs", "1"])
    assert "group: 3 unions, 150 people, 120 proposals" in out
    rows = [line for line in out.splitlines() if line.startswith(GROUP_ROLES)]
    for role in GROUP_ROLES:
        measured = ("list page", "task page", "stats, all sessions", "stats, open session")
        assert all(any(line.startswith(role) and name in line for line in rows) for name in measured), role
    assert any("union figures" in line for line in rows) and any("dashboard" in line for line in rows)
    assert any("group dashboard" in line for line in rows)
    assert "group within 2x of one union for every role:" in out


def test_the_roster_bench_runs():
    out = run("roster.py")
    assert "SQLite (file): present import" in out and "ms a row" in out
    assert "SQLite (file): new import of 40 rows" in out and "40 activation codes" in out


def test_the_roster_bench_runs_the_queued_import_on_postgresql():
    args = ["--db", "postgresql", "--rows", "40", "--present-rows", "1", "--page-max-rows", "10"]
    out = run("roster.py", args)
    assert "PostgreSQL: present import" in out and "PostgreSQL: new import of 40 rows" in out
    assert "PostgreSQL: queued import of 40 rows (task queue, one worker)" in out and "faster a row" in out
