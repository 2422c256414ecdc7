"""Large imports: the page and the API take a file that fits in a request; a larger one is refused naming the
command that imports it (on SQLite, or where no task queue runs), and changes nothing."""

import csv
import io
import re

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import OrgUnit, Proposal, User
from proposals.reports import imports, proposal_import, roster_import

from .helpers import api_client, login


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def roster(n: int) -> bytes:
    """A roster of `n` new workers."""
    return csv_bytes([["username", "name", "roles"], *([f"w{i:05d}", f"职工{i}", "worker"] for i in range(n))])


def paper_proposals(n: int) -> bytes:
    rows = (["S1", "nobody", f"提案{i}", "理由", "措施", "其他"] for i in range(n))
    return csv_bytes([list(proposal_import.KEYS), *rows])


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (User, OrgUnit, Proposal))


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def upload(client, kind: str, data: bytes, filename: str = "file.csv"):
    return client.post(
        f"/imports/{kind}",
        data={f"{kind}-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_default_limit_is_what_a_request_holds():
    assert imports.PAGE_MAX_ROWS == 2_000 < roster_import.MAX_ROWS


def test_the_page_refuses_a_roster_beyond_the_limit_naming_the_command(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 3
    login(client, make.user("union_admin"))
    before = counts()
    response = upload(client, "roster", roster(4))
    assert response.status_code == 422
    page = text(response)
    assert "flask --app proposals import-roster" in page and "此文件有 4 行" in page and "最多导入 3 行" in page
    assert counts() == before
    assert upload(client, "roster", roster(3)).status_code == 200  # at the limit: imported within the request
    assert counts()[0] == before[0] + 3


def test_the_page_refuses_paper_proposals_beyond_the_limit_naming_their_command(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 2
    login(client, make.user("union_admin"))
    before = counts()
    response = upload(client, "proposals", paper_proposals(3))
    assert response.status_code == 422
    page = text(response)
    assert "flask --app proposals import-proposals" in page and "import-roster" not in page
    assert counts() == before


def test_the_api_refuses_a_file_beyond_the_limit_the_same_way(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 3
    api = api_client(client).as_(make.user("union_admin"), language="en")
    before = counts()
    response = api.post(
        "/imports/roster", data={"file": (io.BytesIO(roster(5)), "roster.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and response.json["code"] == "import_refused"
    [problem] = response.json["problems"]
    assert "at most 3" in problem["message"] and "flask --app proposals import-roster FILE" in problem["message"]
    assert counts() == before
