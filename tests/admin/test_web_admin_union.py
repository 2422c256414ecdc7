"""The union's page (/admin/union): the union's own name, which the site goes by."""

from sqlalchemy import select

from proposals.extensions import db
from proposals.models import AuditEntry, OrgUnit, root_union

from .conftest import login

UNION = "某某重工集团公司工会"


def test_the_union_page_names_the_union_and_the_name_can_change(client, make, zh):
    login(client, make.user("union_admin"))
    page = client.get("/admin/union").text
    assert zh("The union has no name yet: the site is shown under its generic title until you give one.") in page
    assert client.post("/admin/union", data={"name": ""}).status_code == 422 and root_union() is None
    assert client.post("/admin/union", data={"name": UNION}).status_code == 302
    unit = root_union()
    assert (unit.kind, unit.code, unit.name, unit.parent_id) == ("union", "union", UNION, None)
    assert client.post("/admin/union", data={"name": "某某公司工会"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(OrgUnit.name).where(OrgUnit.kind == "union")).all() == ["某某公司工会"]
    assert 'value="某某公司工会"' in client.get("/admin/union").text
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "org_units")).all()
    assert actions == ["unit.create", "union.rename"]
