"""User text is rendered escaped everywhere: hostile markup stored in every kind of text a user can
write (proposal, comments, reasons, reply, names), then every page read by every role."""

from markupsafe import escape

from proposals.extensions import db
from proposals.operations import fire_event

from ..conftest import PASSWORD
from .conftest import MARKUP, TEXTS

SCRIPT, ATTRIBUTE = TEXTS["script"], TEXTS["attribute"]


def test_every_page_shows_hostile_text_escaped(world, probe):
    cast, make = world.cast, world.make
    author = make.user("worker", name=SCRIPT, delegation_id=cast.delegation.id)
    make.unit("department", name=ATTRIBUTE)
    proposal = make.proposal(author=author, session=cast.session, title=SCRIPT, measures=ATTRIBUTE, confidential=False)
    steps = [
        ("submit", author, None),
        ("cosign", cast.delegate1, {"comment": SCRIPT}),
        ("cosign", cast.delegate2, {"comment": ATTRIBUTE}),
        ("accept", cast.committee, {"comment": SCRIPT}),
        ("assign", cast.committee, {"lead_department_id": cast.lead_dept.id, "comment": ATTRIBUTE}),
        ("acknowledge", cast.lead, None),
        ("progress", cast.lead, {"note": SCRIPT}),
        ("urge", cast.supervisor, {"comment": ATTRIBUTE}),
        ("reply", cast.lead, {"text": SCRIPT, "outcome": "A", "contact": ATTRIBUTE}),
    ]
    for event, user, payload in steps:
        proposal = fire_event(proposal.id, event, user, payload)
    rejected = make.proposal(author=author, session=cast.session, title=ATTRIBUTE)
    for event, user, payload in [
        ("submit", author, None),
        ("cosign", cast.delegate1, None),
        ("cosign", cast.delegate2, None),
        ("reject", cast.committee, {"reason": SCRIPT}),
    ]:
        fire_event(rejected.id, event, user, payload)
    db.session.commit()

    pages = [
        f"/proposals/{proposal.id}",
        f"/proposals/{rejected.id}",
        f"/proposals/?q={SCRIPT}",
        f"/review?q={ATTRIBUTE}",
        f"/proposals/similar?title={SCRIPT}",
    ]
    for rule in world.app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/logout")):
            pages.append(rule.rule)
    seen_escaped = False
    for who in ("admin", "committee", "lead", "supervisor", "leader", "delegate1", "worker"):
        client = world.client(who)
        for url in pages:
            with probe.subtests.test(who=who, url=url):
                response = probe.send(client, "GET", url)
                if response.mimetype == "text/html" and response.status_code == 200:
                    page = response.get_data(as_text=True)
                    for markup in MARKUP:
                        assert markup not in page
                    seen_escaped |= str(escape(SCRIPT)) in page
    assert seen_escaped, "the hostile title was shown nowhere: the check above proved nothing"
    # the author's own view, in English too
    client = world.app.test_client()
    client.post("/login", data={"username": author.username, "password": PASSWORD})
    for url in (f"/proposals/{proposal.id}?lang=en", "/notifications", "/"):
        page = probe.send(client, "GET", url).get_data(as_text=True)
        assert not any(markup in page for markup in MARKUP)
        if url.startswith("/proposals/"):
            assert str(escape(SCRIPT)) in page
