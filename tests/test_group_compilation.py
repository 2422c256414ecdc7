"""The group's compilation (reports/group_compilation.py): for whoever reads the group's figures, the
compilations of the unions they oversee in one, grouped by union, for a year or the open sessions; each
session's part exactly what its own compilation shows the reader (the same visibility predicate)."""

import io

import pytest
from pypdf import PdfReader

from proposals.reports import compilation, group_compilation

from .helpers import api_client, group_of_unions, login

TITLES = {
    "root": "关于公司食堂的提案",
    "first": "关于第一分公司班车的提案",
    "second": "关于第二分公司宿舍的提案",
}


@pytest.fixture
def group(make):
    """Each union with an accepted proposal, the first also a closed one, a confidential one and one under
    review (not in any compilation)."""
    units, casts = group_of_unions(make)
    for name, cast in casts.items():
        cast.proposal_in("accepted", title=TITLES[name])
    casts["first"].proposal_in("closed", title=TITLES["first"] + "（已办结）")
    casts["first"].proposal_in("accepted", title=TITLES["first"] + "（保密）", confidential=True)
    casts["first"].proposal_in("review", title=TITLES["first"] + "（审查中）")
    return units, casts


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_company_reads_every_union_grouped_by_union(client, group):
    units, casts = group
    login(client, casts["root"].leader)
    page = client.get("/reports/group/compilation")
    assert page.status_code == 200
    text = page.text
    order = [text.index(units[n].name + "</h2>") for n in ("root", "first", "second")]
    assert order == sorted(order)  # the root, then its unions by code
    for title in (TITLES["root"], TITLES["first"], TITLES["first"] + "（已办结）", TITLES["second"]):
        assert title in text
    assert TITLES["first"] + "（审查中）" not in text  # not accepted: in no compilation
    assert casts["first"].author.name not in text.split(TITLES["first"] + "（保密）")[1].split("</section>")[0]
    assert "集团提案及答复汇编（在届会议）" in text
    pdf = client.get("/reports/group/compilation.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    body = pdf_text(pdf.data)
    for name in ("root", "first", "second"):
        assert units[name].name in body and TITLES[name] in body


def test_each_part_is_what_the_sessions_own_compilation_shows(group):
    units, casts = group
    for reader in (casts["root"].leader, casts["root"].admin, casts["first"].committee, casts["second"].supervisor):
        parts = group_compilation.parts(reader)
        for part in parts:
            for session, entries in part.sessions:
                own = compilation.entries(session, reader)
                assert [(e.proposal.id, e.author) for e in entries] == [(e.proposal.id, e.author) for e in own]
        shown = {part.name for part in parts}
        if reader is casts["first"].committee:
            assert shown == {units["first"].name}  # the unions they oversee, never a sibling's or above
        elif reader is casts["second"].supervisor:
            assert shown == {units["second"].name}
        else:
            assert shown == {units[n].name for n in ("root", "first", "second")}


def test_a_year_or_the_open_sessions(client, group):
    units, casts = group
    year = group_compilation.year_of(casts["first"].session)
    login(client, casts["root"].admin)
    chosen = client.get(f"/reports/group/compilation?year={year}")
    assert (
        chosen.status_code == 200 and TITLES["second"] in chosen.text and f"{year}年集团提案及答复汇编" in chosen.text
    )
    empty = client.get("/reports/group/compilation?year=1999")
    assert empty.status_code == 200 and TITLES["second"] not in empty.text
    assert "您所关注的工会在所选范围内没有会议。" in empty.text
    internal = client.get("/reports/group/compilation?edition=internal")
    assert internal.status_code == 200 and casts["first"].author.name in internal.text
    for bad in ("abc", "0", "99999"):
        assert client.get(f"/reports/group/compilation?year={bad}").status_code == 404
    assert client.get("/reports/group/compilation?edition=other").status_code == 404
    login(client, casts["root"].leader)
    assert client.get("/reports/group/compilation?edition=internal").status_code == 403


def test_the_api_hands_the_same_pdf_and_refuses_bad_input(client, group):
    units, casts = group
    api = api_client(client)
    pdf = api.as_(casts["first"].leader).get("/reports/group/compilation.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    body = pdf_text(pdf.data)
    assert TITLES["first"] in body and TITLES["second"] not in body and TITLES["root"] not in body
    refused = api.as_(casts["root"].leader, language="en").get("/reports/group/compilation.pdf?year=abc")
    assert refused.status_code == 422 and "year" in refused.text
    assert api.as_(casts["root"].worker).get("/reports/group/compilation.pdf").status_code == 403


def test_only_those_who_read_the_group_figures_have_it_linked_from_the_group_dashboard(client, group):
    units, casts = group
    login(client, casts["root"].committee)
    dashboard = client.get("/dashboard/unions")
    assert 'data-link="group-compilation"' in dashboard.text and 'href="/reports/group/compilation"' in dashboard.text
    for someone in (casts["root"].worker, casts["first"].author):
        login(client, someone)
        assert client.get("/reports/group/compilation").status_code == 403
        assert client.get("/reports/group/compilation.pdf").status_code == 403
