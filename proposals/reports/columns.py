"""Column names of the workbooks we write and read, so that a ledger can be imported again.

Each column has a key (what the code and a hand-made file may use) and a label (an English msgid,
shown translated). Reading a file, a header matches a column by its key, its English label or its
label in any language we speak, ignoring case and spaces.
"""

from flask_babel import force_locale, gettext

from workflow.errors import N_

LABELS = {
    # the ledger's columns
    "id": N_("ID"),
    "session_code": N_("Session code"),
    "session": N_("Congress session"),
    "number": N_("Number"),
    "kind": N_("Kind"),
    "title": N_("Subject"),
    "category": N_("Category"),
    "author": N_("Author"),
    "author_username": N_("Author user name"),
    "author_delegation": N_("Delegation"),
    "confidential": N_("Confidential"),
    "cosigners": N_("Co-signers"),
    "cosigner_usernames": N_("Co-signer user names"),
    "desired_department": N_("Desired department"),
    "merged_from": N_("Merged into it"),
    "state": N_("State"),
    "submitted_on": N_("Submitted on"),
    "decided_on": N_("Decided on"),
    "review_opinion": N_("Review opinion"),
    "countersigned_by": N_("Countersigned by"),
    "reply_working_days": N_("Working days to first reply"),
    "lead_department": N_("Lead department"),
    "cohandlers": N_("Co-handling departments"),
    "assigned_on": N_("Assigned on"),
    "ack_deadline": N_("Acknowledge by"),
    "acknowledged_on": N_("Acknowledged on"),
    "reply_deadline": N_("Reply by"),
    "extended_days": N_("Extended by (working days)"),
    "overdue": N_("Overdue"),
    "replied_on": N_("Replied on"),
    "on_time": N_("First reply on time"),
    "outcome": N_("Reply class"),
    "reply": N_("Reply"),
    "rounds": N_("Handling rounds"),
    "rating": N_("Author's rating"),
    "attitude": N_("Author's rating of the attitude"),
    "closed_on": N_("Closed on"),
    "reason": N_("Reasons"),
    "measures": N_("Proposed measures"),
    # the roster's columns
    "username": N_("User name"),
    "name": N_("Full name"),
    "roles": N_("Roles"),
    "department": N_("Department code"),
    "department_name": N_("Department name"),
    "delegation": N_("Delegation code"),
    "delegation_name": N_("Delegation name"),
    "email": N_("Email"),
    "password": N_("Password"),
    "active": N_("Active"),
    "mobile": N_("Mobile number"),
    "wecom_id": N_("WeCom user id"),
    "dingtalk_id": N_("DingTalk user id"),
    "feishu_id": N_("Feishu user id"),
}
LANGUAGES = ("zh_Hans_CN",)


def label(key: str) -> str:
    """A column's label in the current language."""
    return gettext(LABELS[key]) if key in LABELS else key


def _normal(text) -> str:
    return "".join(str(text or "").split()).casefold()


def header_keys(headers: list, keys: tuple[str, ...]) -> dict[int, str]:
    """Which of `keys` each header names, by position; headers naming none of them are left out."""
    names: dict[str, str] = {}
    for key in keys:
        names[_normal(key)] = key
        names[_normal(LABELS.get(key, key))] = key
        for language in LANGUAGES:
            with force_locale(language):
                names.setdefault(_normal(label(key)), key)
    return {i: names[_normal(h)] for i, h in enumerate(headers) if _normal(h) in names}
