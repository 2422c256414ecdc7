"""Talking to the directory (ldap3): checking a person's password by binding as them, and reading
people, departments and group members for `sync`.

An entry becomes an `Entry`: its stable id (entryUUID, AD's objectGUID, else the DN), the mapped
attributes, the groups it is in (of those LDAP_GROUP_ROLES names) and whether it is disabled
(LDAP_DISABLED_FILTER). A directory that cannot be reached, or that answers with an error other than
"wrong password", raises DirectoryUnavailable: the caller decides what a person is told.
"""

import math
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from ldap3 import BASE, FIRST, NONE, SUBTREE, Connection, Server, ServerPool, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

FIELDS = ("username", "name", "email", "mobile", "employee_no", "department", "delegation")


class DirectoryUnavailable(Exception):
    """The directory could not be reached or did not answer as it should."""


@dataclass(frozen=True)
class Entry:
    dn: str
    subject: str
    values: dict[str, str | None]  # FIELDS that LDAP_ATTRIBUTES maps: the entry's value (None: it has none)
    groups: frozenset[str] = field(default_factory=frozenset)  # normalised DNs of the mapped groups it is in
    disabled: bool = False

    @property
    def username(self) -> str | None:
        return self.values.get("username")


def normal_dn(dn: str) -> str:
    """A DN as compared here: attribute names and values in lower case, no spaces around the separators."""
    try:
        return ",".join(f"{name.strip().lower()}={value.strip().lower()}" for name, value, _ in parse_dn(dn))
    except LDAPException:
        return dn.strip().lower()


def _config(key: str):
    return current_app.config[key]


def mapping() -> dict[str, str]:
    return {name: attr for name, attr in (_config("LDAP_ATTRIBUTES") or {}).items() if name in FIELDS and attr}


def group_roles() -> dict[str, frozenset[str]]:
    """LDAP_GROUP_ROLES with normalised DNs and each value a set of roles."""
    roles = {}
    for dn, value in (_config("LDAP_GROUP_ROLES") or {}).items():
        roles[normal_dn(dn)] = frozenset([value] if isinstance(value, str) else value)
    return roles


def _server():
    timeout = float(_config("LDAP_TIMEOUT"))
    verify = ssl.CERT_REQUIRED if _config("LDAP_TLS_VERIFY") else ssl.CERT_NONE
    tls = Tls(validate=verify, ca_certs_file=_config("LDAP_CA_FILE") or None)
    urls = str(_config("LDAP_URL")).split()
    servers = [Server(url, connect_timeout=timeout, get_info=NONE, tls=tls) for url in urls]
    if len(servers) == 1:
        return servers[0]
    return ServerPool(servers, FIRST, active=1, exhaust=False)


def _connection(user: str | None, password: str | None) -> Connection:
    """A connection bound as `user` (None: anonymous); None from bind() means wrong credentials."""
    conn = Connection(
        _server(),
        user=user or None,
        password=password or None,
        receive_timeout=max(1, math.ceil(float(_config("LDAP_TIMEOUT")))),  # whole seconds (SO_RCVTIMEO)
        read_only=True,
        auto_referrals=False,
        raise_exceptions=False,
    )
    try:
        conn.open()
        if _config("LDAP_START_TLS") and not conn.start_tls():  # never go on in the clear
            raise DirectoryUnavailable(f"StartTLS refused: {conn.result.get('description')}")
    except (LDAPException, OSError) as exc:
        close(conn)
        raise DirectoryUnavailable(str(exc)) from exc
    except DirectoryUnavailable:
        close(conn)
        raise
    return conn


def close(conn: Connection) -> None:
    """Unbind and close the socket, which ldap3 leaves open after a failed connect."""
    try:
        conn.unbind()
    except LDAPException:
        pass
    if conn.socket is not None:
        conn.socket.close()


def _bind(conn: Connection) -> bool:
    """Bind; False for wrong credentials (49), DirectoryUnavailable for anything else that went wrong."""
    try:
        if conn.bind():
            return True
    except (LDAPException, OSError) as exc:
        close(conn)
        raise DirectoryUnavailable(str(exc)) from exc
    if conn.result.get("result") == 49:  # invalidCredentials
        return False
    raise DirectoryUnavailable(f"bind refused: {conn.result.get('description')} {conn.result.get('message')}")


def service_connection() -> Connection:
    """A connection bound as the service account (or anonymous)."""
    conn = _connection(_config("LDAP_BIND_DN"), _config("LDAP_BIND_PASSWORD"))
    if not _bind(conn):
        close(conn)
        raise DirectoryUnavailable("the service account's bind was refused: check LDAP_BIND_DN and LDAP_BIND_PASSWORD")
    return conn


def _search(conn: Connection, base: str, search_filter: str, scope, attributes, size_limit: int = 0) -> list[dict]:
    try:
        conn.search(base, search_filter, scope, attributes=attributes, size_limit=size_limit)
    except LDAPException as exc:
        raise DirectoryUnavailable(str(exc)) from exc
    code = conn.result.get("result")
    if code == 32:  # noSuchObject: nothing there
        return []
    if code not in (0, 4):  # success, sizeLimitExceeded (a login search that found too many)
        raise DirectoryUnavailable(f"search refused: {conn.result.get('description')} {conn.result.get('message')}")
    return [r for r in conn.response or () if r.get("type") == "searchResEntry"]


def _attributes() -> list[str]:
    wanted = set(mapping().values())
    if _config("LDAP_ID_ATTRIBUTE"):
        wanted.add(_config("LDAP_ID_ATTRIBUTE"))
    return sorted(wanted)


def _first(result: dict, attribute: str, raw: bool = False):
    source = result.get("raw_attributes" if raw else "attributes") or {}
    for name, values in source.items():
        if name.lower() == attribute.lower():
            if isinstance(values, (list, tuple)):
                return values[0] if values else None
            return values
    return None


def _subject(result: dict) -> str:
    attribute = _config("LDAP_ID_ATTRIBUTE")
    if attribute:
        if attribute.lower() == "objectguid":
            raw = _first(result, attribute, raw=True)
            if isinstance(raw, bytes) and len(raw) == 16:
                return str(uuid.UUID(bytes_le=raw))
        value = _first(result, attribute)
        if value:
            return str(value)
    return normal_dn(result["dn"])


def _entry(result: dict, groups: frozenset[str] = frozenset(), disabled: bool = False) -> Entry:
    values = {}
    for name, attribute in mapping().items():
        value = _first(result, attribute)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        value = str(value).strip() if value is not None else ""
        values[name] = value or None
    return Entry(dn=result["dn"], subject=_subject(result), values=values, groups=groups, disabled=disabled)


def _login_filter(username: str) -> str:
    escaped = escape_filter_chars(username)
    template = _config("LDAP_LOGIN_FILTER") or f"({mapping().get('username', 'uid')}={{username}})"
    return f"(&{_config('LDAP_USER_FILTER')}{template.replace('{username}', escaped)})"


def _is_disabled(conn: Connection, dn: str) -> bool:
    disabled = _config("LDAP_DISABLED_FILTER")
    return bool(disabled and _search(conn, dn, disabled, BASE, [], size_limit=1))


def _groups_of(conn: Connection, dn: str) -> frozenset[str]:
    member = _config("LDAP_GROUP_MEMBER_ATTRIBUTE")
    found = set()
    for group in group_roles():
        if _search(conn, group, f"({member}={escape_filter_chars(dn)})", BASE, [], size_limit=1):
            found.add(group)
    return frozenset(found)


def sign_in(username: str, password: str) -> Entry | None:
    """The person's entry if `password` is theirs (bound as them), else None. Never binds with an empty
    password: LDAP takes that for an anonymous bind, which succeeds."""
    if not username or not password:
        return None
    template = _config("LDAP_USER_DN_TEMPLATE")
    if template:
        name = escape_rdn(username) if "=" in template else username
        conn = _connection(template.replace("{username}", name), password)
        try:
            if not _bind(conn):
                return None
            return _read_own(conn, username)
        finally:
            close(conn)
    conn = service_connection()
    try:
        found = _search(conn, _config("LDAP_USER_BASE"), _login_filter(username), SUBTREE, _attributes(), 2)
        if len(found) != 1:  # nobody, or a name that is not unique: no sign-in
            return None
        result = found[0]
        person = _connection(result["dn"], password)
        try:
            if not _bind(person):
                return None
        finally:
            close(person)
        return _entry(result, _groups_of(conn, result["dn"]), _is_disabled(conn, result["dn"]))
    finally:
        close(conn)


def _read_own(conn: Connection, username: str) -> Entry | None:
    """After a direct bind: the person's entry, read with their own rights."""
    base = _config("LDAP_USER_BASE")
    found = _search(conn, base, _login_filter(username), SUBTREE, _attributes(), 2)
    if len(found) != 1:
        raise DirectoryUnavailable(f"bound as {username!r} but found {len(found)} entries for the name under {base!r}")
    result = found[0]
    return _entry(result, _groups_of(conn, result["dn"]), _is_disabled(conn, result["dn"]))


# -- reading the whole directory, for sync ---------------------------------------------------------------


def _paged(conn: Connection, base: str, search_filter: str, attributes) -> Iterator[dict]:
    try:
        results = conn.extend.standard.paged_search(
            base,
            search_filter,
            SUBTREE,
            attributes=attributes,
            paged_size=int(_config("LDAP_PAGE_SIZE")),
            generator=True,
        )
        for result in results:
            if result.get("type") == "searchResEntry":
                yield result
    except LDAPException as exc:
        raise DirectoryUnavailable(str(exc)) from exc
    if conn.result.get("result") not in (0, None):
        raise DirectoryUnavailable(f"search refused: {conn.result.get('description')} {conn.result.get('message')}")


def people(conn: Connection) -> list[Entry]:
    """Every person under LDAP_USER_BASE, with their groups and whether they are disabled."""
    base, users = _config("LDAP_USER_BASE"), _config("LDAP_USER_FILTER")
    disabled = set()
    if _config("LDAP_DISABLED_FILTER"):
        query = f"(&{users}{_config('LDAP_DISABLED_FILTER')})"
        disabled = {normal_dn(r["dn"]) for r in _paged(conn, base, query, [])}
    members: dict[str, set[str]] = {}
    member_attribute = _config("LDAP_GROUP_MEMBER_ATTRIBUTE")
    for group in group_roles():
        for result in _search(conn, group, "(objectClass=*)", BASE, [member_attribute]):
            for dn in (result.get("attributes") or {}).get(member_attribute, []):
                members.setdefault(normal_dn(dn), set()).add(group)
    entries = []
    for result in _paged(conn, base, users, _attributes()):
        dn = normal_dn(result["dn"])
        entries.append(_entry(result, frozenset(members.get(dn, ())), dn in disabled))
    return entries


def departments(conn: Connection) -> list[tuple[str, str]]:
    """(code, name) of each department entry under LDAP_DEPARTMENT_BASE."""
    base = _config("LDAP_DEPARTMENT_BASE")
    if not base:
        return []
    names = _config("LDAP_DEPARTMENT_ATTRIBUTES")
    code_attr, name_attr = names.get("code", "ou"), names.get("name") or names.get("code", "ou")
    found = []
    for result in _paged(conn, base, _config("LDAP_DEPARTMENT_FILTER"), sorted({code_attr, name_attr})):
        if normal_dn(result["dn"]) == normal_dn(base):
            continue  # the base itself is no department
        code, name = _first(result, code_attr), _first(result, name_attr)
        if code:
            found.append((str(code).strip(), str(name or code).strip()))
    return sorted(found)
