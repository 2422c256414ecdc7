"""The company directory (LDAP / Active Directory, 企业目录): signing in with the company account, and
`flask --app proposals directory sync`, which brings people and departments over from it.

Off until LDAP_URL is set. Every setting is read from instance/config.py, or from the environment
variable of the same name (a mapping or list as JSON), and shown with an example in the README.
"""

import json
import os

DEFAULTS = {
    "LDAP_URL": "",  # ldap://dc1.corp.example.cn or ldaps://…; several, space-separated, are tried in turn
    "LDAP_NAME": "ldap",  # the directory's name in external_identities.provider
    "LDAP_BIND_DN": "",  # the service account that searches; empty: anonymous search, or LDAP_USER_DN_TEMPLATE
    "LDAP_BIND_PASSWORD": "",
    # direct bind, without searching first: "uid={username},ou=people,dc=example,dc=cn" or AD's
    # "{username}@corp.example.cn" (UPN) or "CORP\\{username}"; empty: search for the entry, then bind as it
    "LDAP_USER_DN_TEMPLATE": "",
    "LDAP_USER_BASE": "",
    "LDAP_USER_FILTER": "(objectClass=inetOrgPerson)",  # who counts as a person, at sign-in and in `sync`
    "LDAP_LOGIN_FILTER": "",  # how the typed name finds the entry; empty: (<username attribute>={username})
    "LDAP_ATTRIBUTES": {  # our field: the directory's attribute (leave a field out to manage it here)
        "username": "uid",
        "name": "cn",
        "email": "mail",
        "mobile": "mobile",
        "employee_no": "employeeNumber",
    },
    "LDAP_ID_ATTRIBUTE": "entryUUID",  # the entry's stable id (AD: objectGUID); empty: its DN
    "LDAP_DISABLED_FILTER": "",  # entries this matches are disabled accounts, e.g. AD's userAccountControl bit 2
    "LDAP_GROUP_ROLES": {},  # group DN: role (or list of roles); these roles then follow the groups
    "LDAP_GROUP_MEMBER_ATTRIBUTE": "member",
    "LDAP_DEFAULT_ROLES": ["worker"],  # the roles of a person new here
    "LDAP_CREATE_USERS": True,  # an unknown person gets an account at the first sign-in (False: only via `sync`)
    "LDAP_LINK_BY": ["employee_no", "username"],  # how `sync` finds the existing local account of a person
    "LDAP_DEPARTMENT_BASE": "",  # where `sync` finds the departments; empty: departments are managed here
    "LDAP_DEPARTMENT_FILTER": "(objectClass=organizationalUnit)",
    "LDAP_DEPARTMENT_ATTRIBUTES": {"code": "ou", "name": "description"},
    "LDAP_START_TLS": False,  # StartTLS on an ldap:// connection
    "LDAP_TLS_VERIFY": True,  # check the server's certificate (ldaps:// and StartTLS)
    "LDAP_CA_FILE": "",  # the CA certificate(s) to check it against; empty: the system's
    "LDAP_TIMEOUT": 5,  # seconds to connect, and to wait for each answer
    "LDAP_PAGE_SIZE": 500,  # entries per page when `sync` reads the whole directory
}
JSON_SETTINGS = {
    "LDAP_ATTRIBUTES",
    "LDAP_GROUP_ROLES",
    "LDAP_DEFAULT_ROLES",
    "LDAP_LINK_BY",
    "LDAP_DEPARTMENT_ATTRIBUTES",
}
BOOLEAN_SETTINGS = {"LDAP_CREATE_USERS", "LDAP_START_TLS", "LDAP_TLS_VERIFY"}


def init_app(app) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
        if key in os.environ:
            app.config[key] = _from_environment(key, os.environ[key])
    from .cli import directory_group

    app.cli.add_command(directory_group)
    app.jinja_env.globals["directory_sign_in"] = lambda: enabled()


def _from_environment(key: str, text: str):
    if key in JSON_SETTINGS:
        from ..config import ConfigurationError

        try:
            return json.loads(text)
        except ValueError:
            example = json.dumps(DEFAULTS[key], ensure_ascii=False)
            raise ConfigurationError(f"{key} in the environment must be JSON, e.g. {example}") from None
    if key in BOOLEAN_SETTINGS:
        return text.strip().lower() in ("1", "true", "yes", "on")
    if key in ("LDAP_TIMEOUT", "LDAP_PAGE_SIZE"):
        return float(text) if key == "LDAP_TIMEOUT" else int(text)
    return text


def enabled() -> bool:
    """Whether a company directory is configured."""
    from flask import current_app

    return bool(str(current_app.config.get("LDAP_URL") or "").strip())


def provider() -> str:
    from flask import current_app

    return current_app.config["LDAP_NAME"] or "ldap"
