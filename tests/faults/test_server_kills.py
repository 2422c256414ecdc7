"""The production server under load over HTTP: conflicting requests, a killed worker, a killed server."""

import http.client
import json
import random
import threading
from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from proposals.closure.outbox import send_pending
from proposals.extensions import db
from proposals.models import ApiToken, CongressSession, HistoryEntry, Notification, Proposal, User
from tests.conftest import Cast

from .conftest import PATIENCE, Mailbox, wait_for


def issue_token(user: User) -> str:
    _, secret = ApiToken.issue(user, hours=24)
    db.session.commit()
    return secret


def call(port: int, method: str, path: str, token: str, body: dict | None = None) -> tuple[int | None, dict | None]:
    """One request on a connection of its own: (status, JSON body), or (None, None) when no answer came."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body or {}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    except (OSError, http.client.HTTPException):  # the worker serving it was killed
        return None, None
    finally:
        conn.close()


def test_fifty_conflicting_requests_get_one_success_and_forty_nine_conflicts(app, make, server):
    cast = Cast(make)
    proposal = cast.proposal_in("review")
    tokens = [issue_token(make.user("committee")) for _ in range(50)]
    events = [("accept", {}), ("reject", {"reason": "不属于职代会职权范围。"})]
    seq_before = max(h.seq for h in proposal.history)
    server.start()

    barrier = threading.Barrier(len(tokens))
    answers: list = [None] * len(tokens)

    def fire(i: int, token: str):
        event, payload = events[i % 2]
        barrier.wait()
        answers[i] = (
            event,
            *call(server.port, "POST", f"/api/v1/proposals/{proposal.id}/events/{event}", token, payload),
        )

    threads = [threading.Thread(target=fire, args=pair) for pair in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=PATIENCE)

    assert Counter(status for _, status, _ in answers) == {200: 1, 409: 49}, answers
    event, _, won = next(answer for answer in answers if answer[1] == 200)
    conflicts = [body for _, status, body in answers if status == 409]
    assert {(body["code"], body["state"]) for body in conflicts} == {("conflict", won["state"])}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in body["error"]) for body in conflicts), conflicts[0]  # Chinese
    db.session.expire_all()
    final = db.session.get(Proposal, proposal.id)
    assert final.state == won["state"] == {"accept": "accepted", "reject": "rejected"}[event]
    assert [(h.event, h.to_state) for h in final.history if h.seq > seq_before] == [(event, final.state)]


class Load:
    """Clients creating, submitting, co-signing and deciding proposals over HTTP, each in a thread, until
    stopped; every request answered 2xx is noted, and every answer that no client should ever get."""

    def __init__(self, port: int, session_id: int):
        self.port = port
        self.session_id = session_id
        self.succeeded: list[tuple[int, str, int]] = []  # (proposal id, event, user id) of each 2xx
        self.unexpected: list = []
        self.unanswered = 0
        self.cosigning: list[int] = []
        self.review: list[int] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, authors, delegate_groups, committee) -> None:
        work = [(self.author, a) for a in authors]
        work += [(self.delegates, group) for group in delegate_groups]
        work += [(self.committee, c) for c in committee]
        self.threads = [threading.Thread(target=loop, args=(who,)) for loop, who in work]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=PATIENCE)
        assert not any(t.is_alive() for t in self.threads), "a client is still waiting"

    def done(self) -> int:
        with self.lock:
            return len(self.succeeded)

    def decided(self) -> set[str]:
        with self.lock:
            return {event for _, event, _ in self.succeeded if event in ("accept", "reject")}

    def _request(self, user, path, allowed, event, proposal_id=None, body=None):
        status, answer = call(self.port, "POST", path, user[1], body)
        with self.lock:
            if status is None:
                self.unanswered += 1
            elif status not in allowed:
                self.unexpected.append((path, user[0], status, answer))
            elif status < 300:
                self.succeeded.append((proposal_id or answer["id"], event, user[0]))
        return status, answer

    def author(self, user):
        draft = {"session_id": self.session_id, "title": "关于增加班车线路的提案", "reason": "通勤不便。"}
        draft |= {"measures": "增开两条线路。", "category": "welfare"}
        while not self.stopping.is_set():
            status, answer = self._request(user, "/api/v1/proposals", {201}, "create", body=draft)
            if status != 201:
                continue
            status, answer = self._request(user, f"/api/v1/proposals/{answer['id']}/events/submit", {200}, "submit")
            if status == 200:
                with self.lock:
                    self.cosigning.append(answer["id"])

    def delegates(self, group):
        signed: dict[int, set[int]] = defaultdict(set)
        while not self.stopping.is_set():
            with self.lock:
                open_ = [(p, u) for p in self.cosigning for u in group if u[0] not in signed[p]]
            if not open_:
                self.stopping.wait(0.02)  # nothing to co-sign yet: let the authors go on
                continue
            proposal_id, user = random.choice(open_)
            signed[proposal_id].add(user[0])
            path = f"/api/v1/proposals/{proposal_id}/events/cosign"
            # 404: under review by now, where only its co-signers still see it; 409: it moved on meanwhile
            status, answer = self._request(user, path, {200, 404, 409}, "cosign", proposal_id)
            if status in (200, 404, 409) and (status != 200 or answer["state"] != "cosigning"):
                with self.lock:
                    if proposal_id in self.cosigning:
                        self.cosigning.remove(proposal_id)
                        self.review.append(proposal_id)

    def committee(self, user):
        while not self.stopping.is_set():
            with self.lock:
                proposal_id = random.choice(self.review) if self.review else None
            if proposal_id is None:
                self.stopping.wait(0.02)
                continue
            event, payload = random.choice([("accept", {}), ("reject", {"reason": "不属于职代会职权范围。"})])
            path = f"/api/v1/proposals/{proposal_id}/events/{event}"
            status, _ = self._request(user, path, {200, 409}, event, proposal_id, payload)
            if status in (200, 409):  # decided, by this member or the other
                with self.lock:
                    if proposal_id in self.review:
                        self.review.remove(proposal_id)


def test_killing_a_worker_and_then_the_whole_server_loses_no_committed_event_and_no_notice(
    app, make, server, smtp_server
):
    congress = make.new_session(min_cosigners=3)
    delegation = make.unit("delegation")

    def person(*roles, **fields):
        user = make.user(*roles, **fields)
        user.email = f"{user.username}@union.example.cn"
        return user

    authors = [person("worker", delegation_id=delegation.id) for _ in range(2)]
    delegates = [person("delegate", delegation_id=delegation.id if n < 2 else None) for n in range(18)]
    committee = [person("committee") for _ in range(2)]
    db.session.commit()
    tokens = {user.id: issue_token(user) for user in [*authors, *delegates, *committee]}

    def client(user):
        return (user.id, tokens[user.id])

    server.start()
    load = Load(server.port, congress.id)
    load.start(
        [client(u) for u in authors],
        [[client(u) for u in delegates[n::3]] for n in range(3)],
        [client(u) for u in committee],
    )

    def reached(successes: int, decisions=frozenset()) -> bool:
        """Whether the load got as far, or went wrong (said by the assertion below)."""
        return bool(load.unexpected) or (load.done() >= successes and load.decided() >= decisions)

    def progress() -> str:
        return f"{load.done()} answered 2xx\n{server.tail()}"

    try:
        wait_for(lambda: reached(30), "the load running", detail=progress)
        killed = server.kill_worker()
        wait_for(lambda: reached(60), "going on after a worker was killed", detail=progress)
        assert killed not in server.workers()
        server.kill_all()
        server.start()
        wait_for(lambda: reached(90, {"accept", "reject"}), "going on after a restart to decisions", detail=progress)
    finally:
        load.stop()
    server.stop()
    assert load.unexpected == []

    db.session.expire_all()
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.session_id == congress.id)
        .options(selectinload(Proposal.history), selectinload(Proposal.cosignatures))
    ).all()
    history = db.session.scalars(select(HistoryEntry)).all()

    # every request answered 2xx left its record
    recorded = {(h.proposal_id, h.event, h.actor_id) for h in history}
    assert [s for s in load.succeeded if s not in recorded] == []

    # no event half-applied: the state, the history, the co-signatures and the numbers agree
    versions: dict[tuple, set[int]] = defaultdict(set)
    for p in proposals:
        steps = [(h.seq, h.from_state, h.to_state) for h in p.history]
        assert steps == [(n, before, after) for n, (_, before, after) in enumerate(steps, 1)]
        assert all(a[2] == b[1] for a, b in zip(steps, steps[1:], strict=False)), steps
        assert p.state == steps[-1][2]
        cosigns = sorted(h.actor_id for h in p.history if h.event == "cosign")
        assert sorted(c.user_id for c in p.cosignatures) == cosigns
        assert (p.number is not None) == (p.state == "accepted")
        versions[tuple(h.event for h in p.history)].add(p.version)
    assert all(len(seen) == 1 for seen in versions.values()), versions  # the same events, the same version
    numbers = sorted(p.number for p in proposals if p.number is not None)
    assert numbers == list(range(1, db.session.get(CongressSession, congress.id).last_number + 1))

    # each recorded event told exactly the people it tells
    notices = defaultdict(list)
    for n in db.session.scalars(select(Notification)):
        notices[n.history_id].append(n.user_id)
    invited = {u.id for u in delegates[:2]}
    for p in proposals:
        cosigners = {c.user_id for c in p.cosignatures}
        for h in p.history:
            expected = {
                "create": set(),
                "submit": invited if h.to_state == "cosigning" else set(),
                "cosign": {p.author_id},
                "accept": {p.author_id} | cosigners,
                "reject": {p.author_id} | cosigners,
            }[h.event]
            assert sorted(notices.pop(h.id, [])) == sorted(expected), (h.event, h.id)
    assert notices == {}

    # and every queued notice is mailed, once
    mailbox = Mailbox()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server(mailbox))
    queued = set(db.session.scalars(select(Notification.id).where(Notification.email_state == "pending")))
    report = send_pending()
    assert (report.sent, report.failed, report.waiting) == (len(queued), 0, 0)
    counts = mailbox.counts()
    assert set(counts) == queued and set(counts.values()) == {1}
