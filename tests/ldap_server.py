"""A real OpenLDAP server (Debian's slapd) for the tests, with a small directory of its own.

One server per test session (per xdist worker: each worker is a session of its own), in a temporary
directory, configured through cn=config made by slapadd, listening on a free port of 127.0.0.1 only,
stopped at the end. The `directory` fixture loads the test directory afresh for each test (two
departments, a delegation, a few people, groups, and an account disabled the way Active Directory
marks one: bit 2 of `userAccountControl`, modelled here as an attribute of a small schema of ours),
so a test may change it freely.
"""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ldap3 import Connection, Server

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMAS = Path("/etc/ldap/schema")
SUFFIX = "dc=example,dc=cn"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin"
SERVICE_DN = f"cn=proposals,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
UNITS = f"ou=departments,{SUFFIX}"
PASSWORD = "Company#2026"  # every person's directory password
ACCOUNT_ENABLED, ACCOUNT_DISABLED = 512, 514  # Active Directory's NORMAL_ACCOUNT, and with ACCOUNTDISABLE (2)
DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"  # AD's own filter (integerBitAndMatch)

CONFIG = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {root}/slapd.pid
olcTLSCertificateFile: {root}/server.pem
olcTLSCertificateKeyFile: {root}/server.key

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://{schemas}/core.ldif
include: file://{schemas}/cosine.ldif
include: file://{schemas}/inetorgperson.ldif

dn: cn={{3}}adlike,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: {{3}}adlike
olcAttributeTypes: ( 1.3.6.1.4.1.99999.1.1 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.99999.2.1 NAME 'adAccount' AUXILIARY MAY ( userAccountControl ) )

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: {admin}
olcRootPW: {password}
olcDbDirectory: {root}/data
olcDbMaxSize: 33554432
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none
"""


@dataclass(frozen=True)
class Person:
    uid: str
    name: str
    department: str | None
    employee_no: str
    mobile: str | None = None
    delegation: str | None = None
    disabled: bool = False

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE}"


# two departments (by code), a delegation (by name), and a disabled account
TEST_PEOPLE = (
    Person("zhangsan", "张三", "FIN", "E1001", "13800000001", "第一代表团"),
    Person("lisi", "李四", "FIN", "E1002", "13800000002"),
    Person("wangwu", "王五", "HR", "E1003", "13800000003", "第一代表团"),
    Person("zhaoliu", "赵六", "HR", "E1004", disabled=True),
)
TEST_DEPARTMENTS = (("FIN", "财务部"), ("HR", "人力资源部"))
TEST_GROUPS = {"union-office": ["wangwu"], "delegates": ["zhangsan", "wangwu"]}


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slapd:
    """One slapd in its own temporary directory."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="slapd-"))
        self.process: subprocess.Popen | None = None
        self.port = self.tls_port = 0

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate: the CA file to trust it by."""
        return self.root / "server.pem"

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", self.root / "server.key", "-out", self.certificate,
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def start(self) -> "Slapd":
        (self.root / "conf").mkdir()
        (self.root / "data").mkdir()
        self._make_certificate()
        ldif = self.root / "config.ldif"
        ldif.write_text(
            CONFIG.format(root=self.root, schemas=SCHEMAS, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD)
        )
        subprocess.run(
            [SLAPADD, "-n", "0", "-F", self.root / "conf", "-l", ldif], check=True, capture_output=True, text=True
        )
        for _ in range(5):  # another process may take the free port first: try another
            self.port, self.tls_port = free_port(), free_port()
            log = open(self.root / "slapd.log", "w")  # noqa: SIM115  (the server's, closed at stop)
            listen = f"{self.url}/ {self.ldaps_url}/"
            self.process = subprocess.Popen(
                [SLAPD, "-F", self.root / "conf", "-h", listen, "-d", "0"], stdout=log, stderr=log
            )
            log.close()
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError(f"slapd did not start: {(self.root / 'slapd.log').read_text()[-2000:]}")

    def _wait_ready(self) -> bool:
        """Wait (at most 30 s) until slapd accepts connections; False if it exited (e.g. the port was taken)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                    pass
                with socket.create_connection(("127.0.0.1", self.tls_port), timeout=2):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    @contextlib.contextmanager
    def admin(self) -> Iterator[Connection]:
        """A connection bound as the directory's administrator, closed at the end."""
        conn = Connection(Server(self.url, connect_timeout=5), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)
        try:
            yield conn
        finally:
            conn.unbind()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


class Directory:
    """The test directory on a running slapd, and ways to change it as its administrators would."""

    def __init__(self, server: Slapd):
        self.server = server
        self.url = server.url

    def load(self) -> "Directory":
        """Empty the directory and load the test people, departments and groups."""
        with self.server.admin() as conn:
            self._empty(conn)
            add = _adder(conn)
            add(SUFFIX, ["dcObject", "organization"], {"o": "示例集团", "dc": "example"})
            for ou in ("people", "groups", "departments", "services"):
                add(f"ou={ou},{SUFFIX}", ["organizationalUnit"], {"ou": ou})
            add(SERVICE_DN, ["organizationalRole", "simpleSecurityObject"], {"userPassword": SERVICE_PASSWORD})
            for code, name in TEST_DEPARTMENTS:
                add(f"ou={code},{UNITS}", ["organizationalUnit"], {"ou": code, "description": name})
            for person in TEST_PEOPLE:
                self.add_person(person, conn)
            for group, members in TEST_GROUPS.items():
                add(group_dn(group), ["groupOfNames"], {"member": [f"uid={m},{PEOPLE}" for m in members]})
        return self

    def add_person(self, person: Person, conn: Connection | None = None) -> None:
        attributes = {
            "cn": person.name,
            "sn": person.name[0],
            "displayName": person.name,
            "mail": f"{person.uid}@example.cn",
            "employeeNumber": person.employee_no,
            "userPassword": PASSWORD,
            "userAccountControl": ACCOUNT_DISABLED if person.disabled else ACCOUNT_ENABLED,
        }
        for name, value in (
            ("departmentNumber", person.department),
            ("mobile", person.mobile),
            ("businessCategory", person.delegation),
        ):
            if value:
                attributes[name] = value
        if conn is None:
            with self.server.admin() as conn:
                _adder(conn)(person.dn, ["inetOrgPerson", "adAccount"], attributes)
        else:
            _adder(conn)(person.dn, ["inetOrgPerson", "adAccount"], attributes)

    def modify(self, uid: str, **values) -> None:
        """Replace attributes of a person (None removes one)."""
        from ldap3 import MODIFY_DELETE, MODIFY_REPLACE

        changes = {
            name: [(MODIFY_DELETE, [])] if value is None else [(MODIFY_REPLACE, [value])]
            for name, value in values.items()
        }
        with self.server.admin() as conn:
            if not conn.modify(f"uid={uid},{PEOPLE}", changes):
                raise RuntimeError(conn.result)

    def disable(self, uid: str) -> None:
        self.modify(uid, userAccountControl=ACCOUNT_DISABLED)

    def delete(self, uid: str) -> None:
        with self.server.admin() as conn:
            if not conn.delete(f"uid={uid},{PEOPLE}"):
                raise RuntimeError(conn.result)

    def config(self, **overrides) -> dict:
        """The application's settings for this directory (search with the service account, then bind)."""
        return {
            "LDAP_URL": self.url,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(objectClass=inetOrgPerson)",
            "LDAP_ATTRIBUTES": {
                "username": "uid",
                "name": "displayName",
                "email": "mail",
                "mobile": "mobile",
                "employee_no": "employeeNumber",
                "department": "departmentNumber",
                "delegation": "businessCategory",
            },
            "LDAP_ID_ATTRIBUTE": "entryUUID",
            "LDAP_DISABLED_FILTER": DISABLED_FILTER,
            "LDAP_GROUP_ROLES": {group_dn("union-office"): "union_admin", group_dn("delegates"): "delegate"},
            "LDAP_DEPARTMENT_BASE": UNITS,
            "LDAP_DEPARTMENT_FILTER": "(objectClass=organizationalUnit)",
            "LDAP_DEPARTMENT_ATTRIBUTES": {"code": "ou", "name": "description"},
            "LDAP_TIMEOUT": 5,
            **overrides,
        }

    @staticmethod
    def _empty(conn: Connection) -> None:
        if not conn.search(SUFFIX, "(objectClass=*)", attributes=[]):
            return
        # the deepest entries first: a parent cannot go before its children
        for dn in sorted((e.entry_dn for e in conn.entries), key=lambda dn: dn.count(","), reverse=True):
            conn.delete(dn)


def _adder(conn: Connection):
    def add(dn: str, classes: list, attributes: dict) -> None:
        if not conn.add(dn, classes, attributes):
            raise RuntimeError(f"adding {dn}: {conn.result}")

    return add


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    """A running slapd for this test session (this xdist worker)."""
    if not SLAPD.exists():
        pytest.fail("slapd is not installed: run make test-packages (make test does)")
    server = Slapd().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def directory(slapd, app) -> Directory:
    """The test directory, loaded afresh, and the application configured to sign in through it."""
    directory = Directory(slapd).load()
    app.config.update(directory.config())
    return directory
