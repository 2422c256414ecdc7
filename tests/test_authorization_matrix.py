"""Every route x every role x ownership: who gets what, and what no one may learn.

The expected answers are written by hand from DOMAIN.md (the tables below), never computed by
proposals.access, so that a wrong predicate fails here. The world (tests/authz_world.py) is built
once for the module; the walk sends only requests that change nothing (reads, and writes that must
be refused), and the database is compared whole before and after.

- A proposal one may not see answers 404 with exactly the body of a proposal that never existed.
- A confidential author's name and user name appear only to the author, the committee, the union
  administrators and the head of the author's delegation; never on the public page, never in mail
  or notifications to anyone else, and the author's delegation is hidden with them.
- Anonymous callers are sent to the login page (pages) or get 401 (API).
"""

import csv
import io
import json
import re
import zipfile
from urllib.parse import urlsplit

import docx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from proposals import create_app
from proposals.closure.compose import compose
from proposals.closure.mail import MailConfig
from proposals.extensions import db
from proposals.models import ApiToken, Notification, Reply
from proposals.operations import seed_default_categories

from . import databases
from .authz_world import PDF, SECRET_NAME, SECRET_USERNAME, build, missing_id, snapshot
from .conftest import FreshContextClient, app_config

# -- who is who (DOMAIN.md "Who uses it") ----------------------------------------------------------

OVERSIGHT = {"committee", "supervisor", "admin", "leader"}  # union staff, leaders, committee, supervisors
DELEGATES = {"delegate1", "delegate2", "delegate3", "head", "other_head"}
PEOPLE = [
    "author",  # writes the proposals of the world (owner)
    "secret",  # writes the confidential ones (owner)
    "delegate1",  # co-signs, in the author's delegation
    "delegate2",  # co-signs, in no delegation
    "delegate3",  # a delegate with nothing to do with them
    "head",  # head of the author's delegation
    "other_head",  # head of another delegation
    "colleague",  # a worker of the author's delegation
    "worker",  # a worker of nowhere in particular
    "committee",
    "lead",  # handler of the lead department
    "cohandler",  # handler of the co-handling department
    "other_handler",  # handler of a department not involved
    "supervisor",
    "admin",
    "leader",
]
EVERYONE = set(PEOPLE)

# -- who may know a proposal exists, by how far it got ---------------------------------------------
# drafts, and drafts withdrawn before submission: the author alone ("drafts are never visible to
# anyone but their author"); co-signing: the author, every delegate (to co-sign), the head of the
# delegation and oversight; submitted but not accepted (review, rejected, merged, withdrawn): the
# author, the co-signers, the head of the delegation and oversight; accepted onwards: disclosed to all.
STAGE = {
    "cosigning": "cosigning",
    "review": "submitted",
    "rejected": "submitted",
    "merged": "submitted",
    "withdrawn": "submitted",
    "accepted": "disclosed",
    "assigned": "disclosed",
    "in_progress": "disclosed",
    "replied": "disclosed",
    "closed": "disclosed",
    "archived": "disclosed",
}
SEEN_BY = {
    "unsubmitted": {"owner"},
    "cosigning": {"owner", "own_head", *DELEGATES, *OVERSIGHT},
    "submitted": {"owner", "cosigners", "own_head", *OVERSIGHT},
    "disclosed": EVERYONE,
}
# who may know a confidential author (DOMAIN.md "Confidentiality"): not departments, supervisors,
# leaders, co-signers or the public pages
AUTHOR_SEEN_BY = {"owner", "own_head", "committee", "admin"}

# departments that hold an assignment of a handled proposal: who fire `acknowledge` on it at all
HANDLERS_OF_ASSIGNED = {"lead", "cohandler"}
HANDLED = {"assigned", "in_progress", "replied", "closed"}
ACKNOWLEDGE_NOW = {"assigned": {"lead", "cohandler"}, "in_progress": {"cohandler"}}  # would succeed: not sent


def resolve(audience: set[str], item) -> set[str]:
    people = set()
    for who in audience:
        if who == "owner":
            people.add(item.owner)
        elif who == "cosigners":
            people |= item.cosigners
        elif who == "own_head":
            people.add("head")  # every proposal of the world is of the head's delegation
        else:
            people.add(who)
    return people


def may_see(person: str, item) -> bool:
    stage = STAGE[item.state] if item.submitted else "unsubmitted"
    return person in resolve(SEEN_BY[stage], item)


def may_know_author(person: str, item, public: bool = False) -> bool:
    return not item.confidential or (not public and person in resolve(AUTHOR_SEEN_BY, item))


# -- every route, classified ------------------------------------------------------------------------
# (endpoint, method) -> (who is answered, the path); `who`: a set of people, "all" (logged in),
# "public" (anyone), or a string naming the check that walks it. The test fails on a route that is
# not here, so a new route cannot escape the matrix.
ALL = "all"
ADMINS = {"admin"}
S, U, D = "{session}", "{user}", "{department}"
GET_PAGES = {
    ("tasks.index", "GET"): (ALL, "/"),
    ("lists.index", "GET"): (ALL, "/proposals/"),
    ("proposals.new", "GET"): (ALL, "/proposals/new"),
    ("proposals.similar", "GET"): (ALL, "/proposals/similar?title=关于改善职工食堂就餐环境的提案"),
    ("public.index", "GET"): (ALL, "/public"),
    ("votes.index", "GET"): (ALL, "/votes/"),
    ("votes.results", "GET"): (ALL, "/votes/results"),
    ("notifications.index", "GET"): (ALL, "/notifications"),
    ("notifications.settings", "GET"): (ALL, "/notifications/settings"),
    ("account.password", "GET"): (ALL, "/account/password"),
    ("account.tokens", "GET"): (ALL, "/account/tokens"),
    ("account.second_factor_page", "GET"): (ALL, "/account/second-factor"),
    ("account.notification_settings", "GET"): (ALL, "/account/notifications"),
    ("exports.compilation_page", "GET"): (ALL, f"/reports/sessions/{S}/compilation"),
    ("exports.compilation_pdf", "GET"): (ALL, f"/reports/sessions/{S}/compilation.pdf"),
    ("exports.session_forms", "GET"): ({"committee", "admin"}, f"/reports/sessions/{S}/forms.pdf"),
    ("exports.session_letters", "GET"): ({"committee", "admin"}, f"/reports/sessions/{S}/letters.pdf"),
    ("exports.handling_report_docx", "GET"): (
        {"committee", "admin", "leader"},
        f"/reports/sessions/{S}/handling-report.docx",
    ),
    ("exports.handling_report_pdf", "GET"): (
        {"committee", "admin", "leader"},
        f"/reports/sessions/{S}/handling-report.pdf",
    ),
    ("review.index", "GET"): ({"committee"}, "/review"),
    ("review.assign", "GET"): ({"committee"}, "/review/assign"),
    ("dashboard.index", "GET"): (OVERSIGHT, "/dashboard/"),
    ("dashboard.unions_page", "GET"): (OVERSIGHT, "/dashboard/unions"),
    ("exports.group_compilation_page", "GET"): (OVERSIGHT, "/reports/group/compilation"),
    ("exports.group_compilation_pdf", "GET"): (OVERSIGHT, "/reports/group/compilation.pdf"),
    ("exports.index", "GET"): (OVERSIGHT, "/reports/"),
    ("exports.ledger_csv", "GET"): (OVERSIGHT, "/reports/ledger.csv"),
    ("exports.ledger_xlsx", "GET"): (OVERSIGHT, "/reports/ledger.xlsx"),
    ("imports.index", "GET"): (ADMINS, "/imports/"),
    ("imports.blank", "GET"): (ADMINS, "/imports/templates/roster.csv"),
    ("admin.index", "GET"): (ADMINS, "/admin/"),
    ("admin.calendar_page", "GET"): (ADMINS, "/admin/calendar"),
    ("admin.sessions", "GET"): (ADMINS, "/admin/sessions"),
    ("admin.new_session", "GET"): (ADMINS, "/admin/sessions/new"),
    ("admin.edit_session_page", "GET"): (ADMINS, f"/admin/sessions/{S}"),
    ("admin.units_home", "GET"): (ADMINS, "/admin/units", 302),  # on to the departments
    ("admin.audit", "GET"): (ADMINS, "/admin/audit"),
    ("admin.audit_csv", "GET"): (ADMINS, "/admin/audit.csv"),
    ("admin.audit_xlsx", "GET"): (ADMINS, "/admin/audit.xlsx"),
    ("admin.outbox_page", "GET"): (ADMINS, "/admin/outbox"),
    ("admin.channels_page", "GET"): (ADMINS, "/admin/channels"),
    ("own_data.download", "GET"): (ALL, "/me/data.zip"),  # the caller's own
    ("admin.units", "GET"): (ADMINS, "/admin/units/department"),
    ("admin.edit_unit", "GET"): (ADMINS, f"/admin/units/{D}/edit"),
    ("admin.users", "GET"): (ADMINS, "/admin/users"),
    ("admin.new_user", "GET"): (ADMINS, "/admin/users/new"),
    ("admin.edit_user", "GET"): (ADMINS, f"/admin/users/{U}"),
    ("admin.activation_codes", "GET"): (ADMINS, "/admin/users/activation-codes"),
    ("admin.categories", "GET"): (ADMINS, "/admin/categories"),
    ("admin.edit_category", "GET"): (ADMINS, "/admin/categories/1/edit"),
    ("admin.union", "GET"): (ADMINS, "/admin/union"),
    # the address the union page's thresholds form posts to: opened, it leads back to that page
    ("admin.dashboard_thresholds_form", "GET"): (ADMINS, "/admin/union/dashboard-thresholds", 303),
}
# who lands on another page than the one asked for (web/tasks.py: landing): a leader on the dashboard
LANDS_ELSEWHERE = {("tasks.index", "leader"): "/dashboard/"}
GET_API = {
    ("api.me", "GET"): (ALL, "/api/v1/me"),
    ("api.categories", "GET"): (ALL, "/api/v1/categories"),
    ("api.delegations", "GET"): (ALL, "/api/v1/delegations"),
    ("api.departments", "GET"): (ALL, "/api/v1/departments"),
    ("api.sessions", "GET"): (ALL, "/api/v1/sessions"),
    ("api.union_tree", "GET"): (ALL, "/api/v1/unions"),
    ("api.get_session", "GET"): (ALL, f"/api/v1/sessions/{S}"),
    ("api.report", "GET"): (ALL, "/api/v1/stats"),
    ("api.union_figures", "GET"): (OVERSIGHT, "/api/v1/stats/unions"),
    ("api.workflow", "GET"): (ALL, "/api/v1/workflow"),
    ("api.list_proposals", "GET"): (ALL, "/api/v1/proposals?limit=100"),
    ("api.calendar_year", "GET"): (ADMINS, "/api/v1/calendar/2027"),
    ("api.list_notifications", "GET"): (ALL, "/api/v1/notifications"),  # the caller's own
    ("api.unread_count", "GET"): (ALL, "/api/v1/notifications/unread-count"),
    ("api.ballot", "GET"): (ALL, "/api/v1/votes"),
    ("api.vote_results", "GET"): (ALL, "/api/v1/votes/results"),
    ("api.compilation_pdf", "GET"): (ALL, f"/api/v1/sessions/{S}/compilation.pdf"),
    ("api.group_compilation_pdf", "GET"): (OVERSIGHT, "/api/v1/reports/group/compilation.pdf"),
    ("api.session_forms", "GET"): ({"committee", "admin"}, f"/api/v1/sessions/{S}/forms.pdf"),
    ("api.session_letters", "GET"): ({"committee", "admin"}, f"/api/v1/sessions/{S}/letters.pdf"),
    ("api.handling_report_docx", "GET"): (
        {"committee", "admin", "leader"},
        f"/api/v1/sessions/{S}/handling-report.docx",
    ),
    ("api.handling_report_pdf", "GET"): (
        {"committee", "admin", "leader"},
        f"/api/v1/sessions/{S}/handling-report.pdf",
    ),
    ("api.ledger_csv", "GET"): (OVERSIGHT, "/api/v1/reports/ledger.csv"),
    ("api.ledger_xlsx", "GET"): (OVERSIGHT, "/api/v1/reports/ledger.xlsx"),
    ("api.audit", "GET"): (ADMINS, "/api/v1/audit"),
    ("api.audit_csv", "GET"): (ADMINS, "/api/v1/audit.csv"),
    ("api.audit_xlsx", "GET"): (ADMINS, "/api/v1/audit.xlsx"),
    ("api.own_data", "GET"): (ALL, "/api/v1/me/data"),  # the caller's own
    ("api.my_tokens", "GET"): (ALL, "/api/v1/me/tokens"),  # the caller's own
    ("api.pending_slips", "GET"): (ADMINS, "/api/v1/sign-in-slips"),
    ("api.get_user", "GET"): (ADMINS, f"/api/v1/users/{U}"),
    ("api.union", "GET"): (ADMINS, "/api/v1/union"),
    ("api.get_dashboard_thresholds", "GET"): (ADMINS, "/api/v1/union/dashboard-thresholds"),
    ("api.my_notification_settings", "GET"): (ALL, "/api/v1/me/notification-settings"),
    ("api.notification_defaults", "GET"): (ADMINS, "/api/v1/notification-defaults"),
    ("api.group_robots", "GET"): (ADMINS, "/api/v1/group-robots"),
}
# writes of role-gated areas: only the refusals are sent (others' tests do the writes)
GATED_WRITES = {
    ("admin.calendar_page", "POST"): (ADMINS, "/admin/calendar"),
    ("admin.remove_override", "POST"): (ADMINS, "/admin/calendar/1/remove"),
    ("admin.retry_message", "POST"): (ADMINS, "/admin/outbox/1/retry"),
    ("admin.retry_delivery", "POST"): (ADMINS, "/admin/outbox/deliveries/1/retry"),
    ("admin.save_channel_defaults", "POST"): (ADMINS, "/admin/channels/defaults"),
    ("admin.add_group_robot", "POST"): (ADMINS, "/admin/channels/robots"),
    ("admin.remove_group_robot", "POST"): (ADMINS, "/admin/channels/robots/1/remove"),
    ("api.update_notification_defaults", "PUT"): (ADMINS, "/api/v1/notification-defaults"),
    ("admin.load_calendar_year", "POST"): (ADMINS, "/admin/calendar/2027/load"),
    ("api.load_calendar_year", "PUT"): (ADMINS, "/api/v1/calendar/2027"),
    ("admin.new_session", "POST"): (ADMINS, "/admin/sessions/new"),
    ("admin.edit_session_page", "POST"): (ADMINS, f"/admin/sessions/{S}"),
    ("admin.units", "POST"): (ADMINS, "/admin/units/department"),
    ("admin.edit_unit", "POST"): (ADMINS, f"/admin/units/{D}/edit"),
    ("admin.deactivate", "POST"): (ADMINS, f"/admin/units/{D}/deactivate"),
    ("admin.reactivate", "POST"): (ADMINS, f"/admin/units/{D}/reactivate"),
    ("admin.new_user", "POST"): (ADMINS, "/admin/users/new"),
    ("admin.edit_user", "POST"): (ADMINS, f"/admin/users/{U}"),
    ("admin.disable", "POST"): (ADMINS, f"/admin/users/{U}/disable"),
    ("admin.enable", "POST"): (ADMINS, f"/admin/users/{U}/enable"),
    ("admin.set_password", "POST"): (ADMINS, f"/admin/users/{U}/password"),
    ("admin.activation_codes", "POST"): (ADMINS, "/admin/users/activation-codes"),
    ("admin.categories", "POST"): (ADMINS, "/admin/categories"),
    ("admin.edit_category", "POST"): (ADMINS, "/admin/categories/1/edit"),
    ("admin.retire_category", "POST"): (ADMINS, "/admin/categories/1/retire"),
    ("admin.restore_category", "POST"): (ADMINS, "/admin/categories/1/restore"),
    ("admin.union", "POST"): (ADMINS, "/admin/union"),
    ("admin.dashboard_thresholds_form", "POST"): (ADMINS, "/admin/union/dashboard-thresholds"),
    ("imports.upload", "POST"): (ADMINS, "/imports/roster"),
    ("imports.slips_pdf", "POST"): (ADMINS, "/imports/slips/1/pdf"),
    ("imports.slips_page", "POST"): (ADMINS, "/imports/slips/1/show"),
    ("review.index", "POST"): ({"committee"}, "/review"),
    ("review.assign", "POST"): ({"committee"}, "/review/assign"),
    ("api.add_user", "POST"): (ADMINS, "/api/v1/users"),
    ("api.add_department", "POST"): (ADMINS, "/api/v1/departments"),
    ("api.add_delegation", "POST"): (ADMINS, "/api/v1/delegations"),
    ("api.add_session", "POST"): (ADMINS, "/api/v1/sessions"),
    ("api.add_union", "POST"): (ADMINS, "/api/v1/unions"),
    ("api.change_session", "PATCH"): (ADMINS, f"/api/v1/sessions/{S}"),
    ("api.add_category", "POST"): (ADMINS, "/api/v1/categories"),
    ("api.change_category", "PATCH"): (ADMINS, "/api/v1/categories/1"),
    ("api.change_user", "PATCH"): (ADMINS, f"/api/v1/users/{U}"),
    ("api.new_password", "POST"): (ADMINS, f"/api/v1/users/{U}/password"),
    ("api.disable_account", "POST"): (ADMINS, f"/api/v1/users/{U}/disable"),
    ("api.enable_account", "POST"): (ADMINS, f"/api/v1/users/{U}/enable"),
    ("api.issue_activation_codes", "POST"): (ADMINS, "/api/v1/users/activation-codes"),
    ("api.change_unit", "PATCH"): (ADMINS, f"/api/v1/units/{D}"),
    ("api.deactivate", "POST"): (ADMINS, f"/api/v1/units/{D}/deactivate"),
    ("api.reactivate", "POST"): (ADMINS, f"/api/v1/units/{D}/reactivate"),
    ("api.name_union", "PUT"): (ADMINS, "/api/v1/union"),
    ("api.put_dashboard_thresholds", "PUT"): (ADMINS, "/api/v1/union/dashboard-thresholds"),
    ("api.add_override", "POST"): (ADMINS, "/api/v1/calendar/overrides"),
    ("api.remove_override", "DELETE"): (ADMINS, "/api/v1/calendar/overrides/1"),
    ("api.retry_message", "POST"): (ADMINS, "/api/v1/outbox/1/retry"),
    ("api.retry_delivery", "POST"): (ADMINS, "/api/v1/outbox/deliveries/1/retry"),
    ("api.add_group_robot", "POST"): (ADMINS, "/api/v1/group-robots"),
    ("api.remove_group_robot", "DELETE"): (ADMINS, "/api/v1/group-robots/1"),
    ("api.run_import", "POST"): (ADMINS, "/api/v1/imports/roster"),
    ("api.slips_pdf", "POST"): (ADMINS, "/api/v1/sign-in-slips/1/pdf"),
    ("api.slips_data", "POST"): (ADMINS, "/api/v1/sign-in-slips/1/show"),
}
# walked by the tests named
ELSEWHERE = {
    # an import job's author and the union administrators, 403 for everyone else: tests/test_import_jobs.py
    ("imports.job_page", "GET"): "tests/test_import_jobs.py",
    ("imports.job_progress", "GET"): "tests/test_import_jobs.py",
    ("api.import_job", "GET"): "tests/test_import_jobs.py",
    ("proposals.detail", "GET"): "test_proposal_pages",
    ("api.get_proposal", "GET"): "test_proposal_pages",
    ("attachments.download", "GET"): "test_proposal_pages",
    ("proposals.edit", "GET"): "test_proposal_pages",
    ("exports.proposal_form", "GET"): "test_proposal_pages",
    ("exports.reply_letter", "GET"): "test_proposal_pages",
    ("api.list_attachments", "GET"): "test_proposal_pages",
    ("api.list_versions", "GET"): "test_proposal_pages",
    ("api.download_attachment", "GET"): "test_proposal_pages",
    ("api.proposal_form", "GET"): "test_proposal_pages",
    ("api.reply_letter", "GET"): "test_proposal_pages",
    ("api.upload_attachments", "POST"): "test_refused_writes_on_proposals",
    ("api.delete_attachment", "DELETE"): "test_refused_writes_on_proposals",
    ("api.vote", "POST"): "test_refused_writes_on_proposals",
    ("api.withdraw", "DELETE"): "test_refused_writes_on_proposals",
    ("api.publish_vote", "POST"): "test_refused_own_and_anonymous_writes",
    ("api.read_notification", "POST"): "test_refused_own_and_anonymous_writes",
    ("api.read_all_notifications", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("api.revoke_my_token", "DELETE"): "test_refused_own_and_anonymous_writes",
    ("api.end_my_sessions", "DELETE"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("proposals.edit", "POST"): "test_refused_writes_on_proposals",
    ("api.edit", "PATCH"): "test_refused_writes_on_proposals",
    ("attachments.remove", "POST"): "test_refused_writes_on_proposals",
    ("votes.vote", "POST"): "test_refused_writes_on_proposals",
    ("votes.withdraw", "POST"): "test_refused_writes_on_proposals",
    ("proposals.fire", "POST"): "test_refused_events",
    ("api.fire", "POST"): "test_refused_events",
    ("votes.publish", "POST"): "test_refused_own_and_anonymous_writes",
    ("notifications.open_", "POST"): "test_refused_own_and_anonymous_writes",
    ("notifications.read", "POST"): "test_refused_own_and_anonymous_writes",
    ("notifications.read_all", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("notifications.settings", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.notification_settings", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("api.update_my_notification_settings", "PUT"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("proposals.new", "POST"): "test_refused_own_and_anonymous_writes",  # anyone writes their own draft
    ("account.revoke", "POST"): "test_refused_own_and_anonymous_writes",
    ("api.change_own_password", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.password", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.logout_everywhere", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.new_token", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.second_factor_setup", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.second_factor_confirm", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("account.second_factor_disable", "POST"): "test_refused_own_and_anonymous_writes",  # the caller's own
    ("api.create", "POST"): "test_refused_own_and_anonymous_writes",
    ("auth.login", "GET"): "test_login_and_logout",
    ("auth.login", "POST"): "test_login_and_logout",
    ("auth.logout", "GET"): "test_login_and_logout",
    ("auth.logout", "POST"): "test_login_and_logout",  # the caller's own session
    ("auth.index", "GET"): "test_login_and_logout",
    ("auth.second_factor", "GET"): "test_login_and_logout",  # the step after the caller's own password
    ("auth.second_factor", "POST"): "test_login_and_logout",
    ("auth.provider_login", "GET"): "tests/test_oidc_login.py (public: the start of a provider sign-in)",
    ("auth.provider_callback", "GET"): "tests/test_oidc_login.py (public: the provider's answer)",
    ("password_reset.forgot", "GET"): "test_login_and_logout",  # public: asking for a link
    ("password_reset.forgot", "POST"): "test_login_and_logout",
    ("password_reset.reset", "GET"): "tests/test_password_reset.py (public: whoever holds the mailed link)",
    ("password_reset.reset", "POST"): "tests/test_password_reset.py (public: whoever holds the mailed link)",
    ("activation.by_code", "GET"): "tests/test_activation.py (public: whoever holds an activation code)",
    ("activation.by_code", "POST"): "tests/test_activation.py (public: whoever holds an activation code)",
    ("activation.by_link", "GET"): "tests/test_activation.py (public: whoever holds the code's link)",
    ("activation.by_link", "POST"): "tests/test_activation.py (public: whoever holds the code's link)",
    ("api.issue_token", "POST"): "tests/test_api.py (public: a password for a token)",
    ("api.revoke_token", "DELETE"): "tests/test_api.py (the caller's own token)",
    ("messages.write", "POST"): "test_the_dialogue_by_role",
    ("messages.download", "GET"): "test_the_dialogue_by_role",
    ("api.list_messages", "GET"): "test_the_dialogue_by_role",
    ("api.write_message", "POST"): "test_the_dialogue_by_role",
    ("api.download_message_file", "GET"): "test_the_dialogue_by_role",
    # files sent with a reply: added by the lead alone, read by the draft's readers and then the reply's
    ("attachments.add_to_reply", "POST"): "tests/test_reply_flow.py (the lead department alone: 403 for others)",
    ("attachments.download_reply_file", "GET"): "tests/test_reply_flow.py (the draft's readers, then the reply's)",
    ("api.upload_reply_files", "POST"): "tests/test_reply_flow.py (the lead department alone: 403 for others)",
    ("api.download_reply_file", "GET"): "tests/test_reply_flow.py (the draft's readers, then the reply's)",
    ("api.openapi", "GET"): "test_api_document_is_public",
    ("static", "GET"): "not walked: the application's own stylesheets and scripts, public",
}


# -- the world, once ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authz")
    app = create_app(app_config(databases.fresh_url(folder), ATTACHMENTS_DIR=str(folder / "attachments")))
    app.test_client_class = FreshContextClient
    with app.app_context():
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        built = build(app)
        before = snapshot()
        yield built
        assert snapshot() == before, "a read or a refused request changed the database"
        db.session.remove()
        databases.dispose(db)


def fill(world, path: str) -> str:
    return path.format(
        session=world.cast.session.id, user=world.people["worker"].id, department=world.cast.other_dept.id
    )


def request(world, person: str, method: str, path: str, **kwargs):
    """As `person` (or anonymous): a page request with the session cookie, an API request with the token."""
    client = world.clients[person]
    if path.startswith("/api/") and person != "anonymous":
        kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {world.tokens[person]}"
    with client.open(path, method=method, **kwargs) as response:
        response.get_data()
    response.asked = path
    return response


def text_of(response) -> str:
    """What the response says, as text: pages, JSON and CSV as they are, a workbook cell by cell."""
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if response.mimetype == "application/pdf":  # its Chinese text extracts: as laid out, and unbroken
        laid_out = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        return laid_out + "\n" + re.sub(r"\s+", "", laid_out)
    if response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        document = docx.Document(io.BytesIO(response.data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if response.is_json:  # as decoded: the API writes Chinese as \u escapes, which no marker would match
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data(as_text=True)


def leaks(world, person: str, body: str, *, public: bool = False) -> list[str]:
    """What the body shows that `person` may not know: proposals' titles, a confidential author."""
    found = [item.marker for item in world.items.values() if not may_see(person, item) and item.marker in body]
    secret = world.items["secret_closed"]
    if (
        person != secret.owner
        and not may_know_author(person, secret, public)
        and (SECRET_NAME in body or SECRET_USERNAME in body)
    ):
        found.append("the confidential author")
    return found


def same_answer(response, nowhere) -> bool:
    """Whether two refusals say the same, apart from the address asked (in the page's language
    switch) and the form token (signed with the time)."""

    def plain(body: bytes, asked: str) -> bytes:
        body = body.replace(asked.encode(), b"{path}")
        return re.sub(rb'name="csrf_token" value="[^"]*"', b"", body)

    return plain(response.data, response.asked) == plain(nowhere.data, nowhere.asked)


def follow(world, person: str, response) -> str:
    """Read the page a redirect leads to (so that its message is not left for the next request); its path."""
    path = urlsplit(response.headers["Location"]).path
    assert request(world, person, "GET", path).status_code == 200
    return path


def login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def anonymous_refused(response, path: str) -> bool:
    return response.status_code == 401 if path.startswith("/api/") else login_redirect(response)


# -- the tests ----------------------------------------------------------------------------------------


def test_every_route_is_classified(world):
    classified = {**GET_PAGES, **GET_API, **GATED_WRITES, **ELSEWHERE}
    routes = {
        (rule.endpoint, method)
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(routes - set(classified)) == [], "classify these routes in tests/test_authorization_matrix.py"
    assert sorted(set(classified) - routes) == [], "these classified routes are gone"


@pytest.mark.parametrize("person", [*PEOPLE, "anonymous"])
def test_pages_and_api_by_role(world, person, subtests):
    for (endpoint, _), (who, path, *ok) in {**GET_PAGES, **GET_API}.items():
        path = fill(world, path)
        with subtests.test(endpoint=endpoint, person=person):
            response = request(world, person, "GET", path)
            if person == "anonymous":
                assert anonymous_refused(response, path), response.status_code
                continue
            allowed = who == ALL or person in who
            if (endpoint, person) in LANDS_ELSEWHERE:
                assert (response.status_code, response.location) == (302, LANDS_ELSEWHERE[endpoint, person])
                continue
            assert response.status_code == ((ok or [200])[0] if allowed else 403), response.status_code
            if allowed:
                assert leaks(world, person, text_of(response), public=endpoint == "public.index") == []


@pytest.mark.parametrize("person", [*PEOPLE, "anonymous"])
def test_proposal_pages(world, person, subtests):
    gone = missing_id()
    attachment_gone = f"/proposals/{gone}/attachments/{gone}"
    nowhere = {
        "detail": request(world, person, "GET", f"/proposals/{gone}"),
        "api": request(world, person, "GET", f"/api/v1/proposals/{gone}"),
        "download": request(world, person, "GET", attachment_gone),
        "edit": request(world, person, "GET", f"/proposals/{gone}/edit"),
        "form": request(world, person, "GET", f"/reports/proposals/{gone}/form.pdf"),
        "letter": request(world, person, "GET", f"/reports/proposals/{gone}/replies/{gone}/letter.pdf"),
        "api_attachments": request(world, person, "GET", f"/api/v1/proposals/{gone}/attachments"),
        "api_versions": request(world, person, "GET", f"/api/v1/proposals/{gone}/versions"),
        "api_download": request(world, person, "GET", f"/api/v1/proposals/{gone}/attachments/{gone}"),
        "api_form": request(world, person, "GET", f"/api/v1/proposals/{gone}/form.pdf"),
        "api_letter": request(world, person, "GET", f"/api/v1/proposals/{gone}/replies/{gone}/letter.pdf"),
    }
    if person != "anonymous":
        assert {name: r.status_code for name, r in nowhere.items()} == dict.fromkeys(nowhere, 404)
    delegation_name = world.cast.delegation.name
    for item in world.items.values():
        paths = {
            "detail": f"/proposals/{item.id}",
            "api": f"/api/v1/proposals/{item.id}",
            "download": f"/proposals/{item.id}/attachments/{item.attachment_id}",
            "edit": f"/proposals/{item.id}/edit",
            "form": f"/reports/proposals/{item.id}/form.pdf",
            "api_attachments": f"/api/v1/proposals/{item.id}/attachments",
            "api_versions": f"/api/v1/proposals/{item.id}/versions",
            "api_download": f"/api/v1/proposals/{item.id}/attachments/{item.attachment_id}",
            "api_form": f"/api/v1/proposals/{item.id}/form.pdf",
        }
        reply_id = db.session.scalar(select(Reply.id).where(Reply.proposal_id == item.id).limit(1))
        if reply_id is not None:
            paths["letter"] = f"/reports/proposals/{item.id}/replies/{reply_id}/letter.pdf"
            paths["api_letter"] = f"/api/v1/proposals/{item.id}/replies/{reply_id}/letter.pdf"
        for name, path in paths.items():
            with subtests.test(proposal=item.key, page=name, person=person):
                response = request(world, person, "GET", path)
                if person == "anonymous":
                    assert anonymous_refused(response, path), response.status_code
                    continue
                visible = may_see(person, item)
                if not visible or (name == "edit" and person != item.owner):
                    assert response.status_code == 404
                    assert same_answer(response, nowhere[name]), "a hidden proposal answers unlike a missing one"
                    continue
                if name == "edit":  # the author's own: the form while a draft, else back to the proposal
                    assert response.status_code == (200 if item.state == "draft" else 302)
                    if response.status_code == 302:
                        assert follow(world, person, response) == f"/proposals/{item.id}"
                    continue
                assert response.status_code == 200
                if name in ("download", "api_download"):
                    continue
                body = text_of(response)
                assert leaks(world, person, body) == []
                knows = may_know_author(person, item)
                if name == "api":
                    shown = response.json["author"] is not None, response.json["delegation_id"] is not None
                    assert shown == (knows, knows)
                elif name == "api_attachments":
                    assert [a["id"] for a in response.json["items"]] == [item.attachment_id]
                    assert response.json["may_change"] == (person == item.owner and item.state == "draft")
                elif name == "api_versions":  # numbered from 1, one for each submission
                    numbers = [v["number"] for v in response.json["items"]]
                    assert numbers == list(range(1, len(numbers) + 1))
                elif item.confidential:
                    assert (SECRET_NAME in body) == knows
                    if name not in ("letter", "api_letter"):  # (a letter names no delegation at all)
                        assert (delegation_name in body) == knows, "the delegation narrows down a hidden author"


def refusal_of_event(person: str, item, event: str) -> int | None:
    """The answer to firing `event`: None where it would go through (not sent)."""
    if not may_see(person, item):
        return 404
    if event == "accept":
        if person != "committee":
            return 403
        return None if item.state == "review" else 409
    if person in ACKNOWLEDGE_NOW.get(item.state, ()):
        return None
    return 409 if person in HANDLERS_OF_ASSIGNED and item.state in HANDLED else 403


# writes are refused for one person of each relationship, on a proposal of each stage
WRITERS = ["author", "delegate1", "head", "worker", "committee", "lead", "other_handler", "supervisor"]
WRITTEN = ["draft", "withdrawn_draft", "cosigning", "review", "assigned", "in_progress", "secret_assigned"]
ONE_PER_ROLE = ["worker", "delegate3", "head", "committee", "lead", "supervisor", "admin", "leader", "anonymous"]


def test_refused_events(world, subtests):
    gone = missing_id()
    for person in WRITERS:
        for event in ("accept", "acknowledge"):
            nowhere_page = request(world, person, "POST", f"/proposals/{gone}/events/{event}")
            nowhere_api = request(world, person, "POST", f"/api/v1/proposals/{gone}/events/{event}", json={})
            assert (nowhere_page.status_code, nowhere_api.status_code) == (404, 404)
            for item in (world.items[key] for key in WRITTEN):
                expected = refusal_of_event(person, item, event)
                if expected is None:
                    continue
                with subtests.test(proposal=item.key, event=event, person=person):
                    page = request(world, person, "POST", f"/proposals/{item.id}/events/{event}")
                    api = request(world, person, "POST", f"/api/v1/proposals/{item.id}/events/{event}", json={})
                    assert (page.status_code, api.status_code) == (expected, expected)
                    if expected == 404:
                        assert same_answer(page, nowhere_page) and same_answer(api, nowhere_api)
                    else:
                        assert leaks(world, person, page.get_data(as_text=True)) == []
    for item in world.items.values():
        page = request(world, "anonymous", "POST", f"/proposals/{item.id}/events/accept")
        api = request(world, "anonymous", "POST", f"/api/v1/proposals/{item.id}/events/accept", json={})
        assert login_redirect(page) and api.status_code == 401


def test_refused_writes_on_proposals(world, subtests):
    gone = missing_id()
    for person in WRITERS:
        nowhere = {
            "edit": request(world, person, "POST", f"/proposals/{gone}/edit", data={"title": "改"}),
            "api_edit": request(world, person, "PATCH", f"/api/v1/proposals/{gone}", json={"title": "改"}),
            "remove": request(world, person, "POST", f"/proposals/{gone}/attachments/{gone}/remove"),
            "vote": request(world, person, "POST", f"/votes/{gone}"),
            "unvote": request(world, person, "POST", f"/votes/{gone}/withdraw"),
            "api_upload": request(world, person, "POST", f"/api/v1/proposals/{gone}/attachments", **pdf_upload()),
            "api_remove": request(world, person, "DELETE", f"/api/v1/proposals/{gone}/attachments/{gone}"),
            "api_vote": request(world, person, "POST", f"/api/v1/votes/{gone}"),
            "api_unvote": request(world, person, "DELETE", f"/api/v1/votes/{gone}"),
        }
        for item in (world.items[key] for key in WRITTEN):
            if person == item.owner and item.state == "draft":
                continue  # would change it: tests/test_web_proposals.py and tests/test_attachments.py
            sent = {
                "edit": ("POST", f"/proposals/{item.id}/edit", {"data": {"title": "改"}}),
                "api_edit": ("PATCH", f"/api/v1/proposals/{item.id}", {"json": {"title": "改"}}),
                "remove": ("POST", f"/proposals/{item.id}/attachments/{item.attachment_id}/remove", {}),
                "vote": ("POST", f"/votes/{item.id}", {}),
                "unvote": ("POST", f"/votes/{item.id}/withdraw", {}),
                "api_upload": ("POST", f"/api/v1/proposals/{item.id}/attachments", pdf_upload()),
                "api_remove": ("DELETE", f"/api/v1/proposals/{item.id}/attachments/{item.attachment_id}", {}),
                "api_vote": ("POST", f"/api/v1/votes/{item.id}", {}),
                "api_unvote": ("DELETE", f"/api/v1/votes/{item.id}", {}),
            }
            for name, (method, path, kwargs) in sent.items():
                with subtests.test(proposal=item.key, write=name, person=person):
                    response = request(world, person, method, path, **kwargs)
                    if not may_see(person, item) or (name == "edit" and person != item.owner):
                        assert response.status_code == 404
                        assert same_answer(response, nowhere[name])
                    elif person == item.owner and name in ("edit", "api_edit", "remove", "api_upload", "api_remove"):
                        assert response.status_code in (302, 409)  # not a draft any more
                        if response.status_code == 302:
                            assert follow(world, person, response) == f"/proposals/{item.id}"
                    else:
                        assert response.status_code in (403, 409)
                    if response.status_code != 404 and response.mimetype == "text/html":
                        assert leaks(world, person, response.get_data(as_text=True)) == []


# the dialogue on a proposal (留言/沟通), from the issue: the author side (the author, the co-signers) and the
# handling side (the departments assigned now, the committee, the supervisors) read it wherever they may
# see the proposal; they write from acceptance until closure
DIALOGUE_HANDLERS = {"committee", "supervisor"}
DIALOGUE_OPEN = {"accepted", "assigned", "in_progress", "replied"}


def takes_part(person: str, item) -> bool:
    assigned = {"lead", "cohandler"} if item.state in HANDLED else set()
    return person in {item.owner, *item.cosigners, *DIALOGUE_HANDLERS, *assigned}


def test_the_dialogue_by_role(world, subtests):
    gone = missing_id()
    for person in [*PEOPLE, "anonymous"]:
        nowhere = {
            "api": request(world, person, "GET", f"/api/v1/proposals/{gone}/messages"),
            "api_write": request(world, person, "POST", f"/api/v1/proposals/{gone}/messages", json={"text": "好"}),
            "write": request(world, person, "POST", f"/proposals/{gone}/messages", data={"text": "好"}),
            "download": request(world, person, "GET", f"/proposals/{gone}/messages/files/{gone}"),
            "api_download": request(world, person, "GET", f"/api/v1/proposals/{gone}/messages/files/{gone}"),
        }
        if person == "anonymous":
            assert nowhere["api"].status_code == 401 and login_redirect(nowhere["write"])
        else:
            assert {name: r.status_code for name, r in nowhere.items()} == dict.fromkeys(nowhere, 404)
        for item in world.items.values():
            with subtests.test(proposal=item.key, person=person):
                path = f"/api/v1/proposals/{item.id}/messages"
                response = request(world, person, "GET", path)
                if person == "anonymous":
                    assert response.status_code == 401
                    assert login_redirect(request(world, person, "POST", f"/proposals/{item.id}/messages"))
                    continue
                if not may_see(person, item):
                    assert response.status_code == 404 and same_answer(response, nowhere["api"])
                elif takes_part(person, item):
                    assert (response.status_code, response.json) == (200, {"items": []})
                else:
                    assert response.status_code == 403
                    assert leaks(world, person, text_of(response)) == []
                files = request(world, person, "GET", f"/api/v1/proposals/{item.id}/messages/files/{gone}")
                assert files.status_code == 404
                if person not in WRITERS or item.key not in WRITTEN:
                    continue
                if may_see(person, item) and takes_part(person, item) and item.state in DIALOGUE_OPEN:
                    continue  # would write: tests/test_messages.py
                expected = 404 if not may_see(person, item) else 403 if not takes_part(person, item) else 409
                page = request(world, person, "POST", f"/proposals/{item.id}/messages", data={"text": "好"})
                api = request(world, person, "POST", path, json={"text": "好"})
                assert (page.status_code, api.status_code) == (expected, expected)
                if expected == 404:
                    assert same_answer(page, nowhere["write"]) and same_answer(api, nowhere["api_write"])
                else:
                    assert leaks(world, person, page.get_data(as_text=True)) == []


def pdf_upload() -> dict:
    """A valid one-file upload (the request's arguments)."""
    return {"data": {"attachments": [(io.BytesIO(PDF), "材料.pdf")]}, "content_type": "multipart/form-data"}


def test_role_gated_writes_are_refused(world, subtests):
    for (endpoint, method), (who, path) in GATED_WRITES.items():
        path = fill(world, path)
        for person in ONE_PER_ROLE:  # the gates ask for roles, not relationships
            if person in who:
                continue
            with subtests.test(endpoint=endpoint, person=person):
                response = request(world, person, method, path, **({"json": {}} if "/api/" in path else {}))
                if person == "anonymous":
                    assert anonymous_refused(response, path), response.status_code
                else:
                    assert response.status_code == 403


def test_refused_own_and_anonymous_writes(world, subtests):
    mine = {
        name: db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))
        for name, user in world.people.items()
    }
    someone_elses = mine["lead"]
    token_of_lead = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == world.people["lead"].id))
    assert someone_elses is not None and token_of_lead is not None
    nowhere = request(world, "worker", "POST", f"/notifications/{missing_id() * 1000}/read")
    api_nowhere = request(world, "worker", "POST", f"/api/v1/notifications/{missing_id() * 1000}/read")
    for person in PEOPLE:
        if person == "lead":
            continue
        with subtests.test(person=person):
            for action in ("read", "open"):
                response = request(world, person, "POST", f"/notifications/{someone_elses}/{action}")
                assert response.status_code == 404
                assert (action == "open" or person != "worker") or same_answer(response, nowhere)
            assert request(world, person, "POST", f"/account/tokens/{token_of_lead}/revoke").status_code == 404
            assert request(world, person, "DELETE", f"/api/v1/me/tokens/{token_of_lead}").status_code == 404
            api_read = request(world, person, "POST", f"/api/v1/notifications/{someone_elses}/read")
            assert api_read.status_code == 404 and same_answer(api_read, api_nowhere)
            publish = request(world, person, "POST", f"/votes/results/{world.cast.session.id}/publish")
            assert publish.status_code == (409 if person == "committee" else 403)  # the vote is not over
            api_publish = request(world, person, "POST", f"/api/v1/votes/results/{world.cast.session.id}/publish")
            assert api_publish.status_code == publish.status_code
    for path in (
        "/notifications/read-all",
        "/notifications/settings",
        "/proposals/new",
        f"/notifications/{someone_elses}/read",
        f"/notifications/{someone_elses}/open",
        f"/votes/results/{world.cast.session.id}/publish",
        "/api/v1/proposals",
        "/api/v1/me/password",
        "/account/password",
        "/account/logout-everywhere",
        f"/account/tokens/{token_of_lead}/revoke",
        "/account/tokens/new",
        "/account/second-factor/setup",
        "/account/second-factor/confirm",
        "/account/second-factor/disable",
        "/api/v1/notifications/read-all",
        f"/api/v1/notifications/{someone_elses}/read",
        f"/api/v1/votes/results/{world.cast.session.id}/publish",
        "/account/notifications",
    ):
        with subtests.test(path=path, person="anonymous"):
            kwargs = {"json": {}} if path.startswith("/api/") else {}
            assert anonymous_refused(request(world, "anonymous", "POST", path, **kwargs), path)
    path = "/api/v1/me/notification-settings"
    assert anonymous_refused(request(world, "anonymous", "PUT", path, json={"mobile": ""}), path)


def test_login_and_logout(world):
    assert request(world, "anonymous", "GET", "/login").status_code == 200
    assert login_redirect(request(world, "anonymous", "GET", "/logout"))
    assert login_redirect(request(world, "anonymous", "POST", "/logout"))
    assert request(world, "anonymous", "GET", "/home").status_code == 302
    for method in ("GET", "POST"):  # no password passed just now: back to the login page
        assert login_redirect(request(world, "anonymous", method, "/login/second-factor", data={"code": "123456"}))
    assert request(world, "anonymous", "GET", "/password/forgot").status_code == 200
    asked = request(world, "anonymous", "POST", "/password/forgot", data={"login": "worker"})
    assert asked.status_code == 200  # no mail here: the page says to ask the administrator
    assert request(world, "anonymous", "GET", "/password/reset/not-a-link").status_code == 404
    for person in PEOPLE:
        assert request(world, person, "GET", "/login").status_code == 302  # already in: home
        assert request(world, person, "GET", "/logout").status_code == 200  # asks first
        assert request(world, person, "GET", "/home").headers["Location"].endswith("/")


def test_api_document_is_public(world):
    for person in ("anonymous", "worker"):
        response = request(world, person, "GET", "/api/v1/openapi.json")
        assert response.status_code == 200 and response.json["paths"]


def test_notifications_and_mail_never_name_a_confidential_author(world, subtests):
    """Rows and emails about the confidential proposals, to everyone but the author."""
    secret_ids = {item.id for item in world.items.values() if item.confidential}
    rows = list(db.session.scalars(select(Notification).where(Notification.proposal_id.in_(secret_ids))))
    told = {row.user_id for row in rows}
    names = {user.id: name for name, user in world.people.items()}
    assert {"delegate1", "lead", "cohandler"} <= {names[u] for u in told}  # invitations, assignments
    config = MailConfig.from_app({**world.app.config, "MAIL_SERVER": "mail.example.cn"})
    with world.app.test_request_context():
        for row in rows:
            person = names[row.user_id]
            if person == "secret":
                continue
            with subtests.test(notification=row.event, person=person):
                body = compose(row, config, row.created_at).get_content()
                assert SECRET_NAME not in body and SECRET_USERNAME not in body
    for person in sorted({names[u] for u in told} - {"secret"}):
        with subtests.test(page="notifications", person=person):
            body = request(world, person, "GET", "/notifications").get_data(as_text=True)
            assert SECRET_NAME not in body and SECRET_USERNAME not in body


def test_the_ledger_masks_a_confidential_author_cell_by_cell(world):
    """The CSV export, read as a table: the author's columns, not just the text."""
    for person in sorted(OVERSIGHT):
        body = request(world, person, "GET", "/reports/ledger.csv").get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        secret_rows = [r for r in rows if any("〔secret_" in cell for cell in r)]
        assert len(secret_rows) == 4, person  # co-signing, review, assigned, closed
        knows = may_know_author(person, world.items["secret_closed"])
        assert all((SECRET_NAME in r) == knows for r in secret_rows), person
        assert re.search(SECRET_USERNAME, body) is None or knows


def test_notifications_and_mail_name_only_what_the_reader_may_see(world, subtests):
    """Every notification, on its reader's list and as the email it makes: a proposal the reader may
    not view now (a draft sent back and retitled, one withdrawn from there) is named neutrally, never
    by its title."""
    rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    names = {user.id: name for name, user in world.people.items()}
    config = MailConfig.from_app({**world.app.config, "MAIL_SERVER": "mail.example.cn"})
    invited = {names[r.user_id] for r in rows if r.proposal_id == world.items["sent_back"].id and r.event == "submit"}
    assert {"delegate1", "head"} <= invited  # asked to co-sign it before it was sent back
    with world.app.test_request_context():
        for row in rows:
            person = names[row.user_id]
            with subtests.test(notification=row.event, proposal=row.proposal_id, person=person):
                message = compose(row, config, row.created_at)
                assert leaks(world, person, f"{message['Subject']}\n{message.get_content()}") == []
    for person in sorted({names[r.user_id] for r in rows}):
        with subtests.test(page="notifications", person=person):
            assert leaks(world, person, request(world, person, "GET", "/notifications").get_data(as_text=True)) == []
        with subtests.test(api="notifications", person=person):
            page, pages = 1, 1
            while page <= pages:  # every page of them
                listed = request(world, person, "GET", f"/api/v1/notifications?page={page}")
                assert listed.status_code == 200
                assert leaks(world, person, text_of(listed)) == []
                pages, page = listed.json["pages"], page + 1
