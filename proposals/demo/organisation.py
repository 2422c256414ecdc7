"""The demo organisation: the company union, its grassroots unions and delegations, the functional
departments (and one of a grassroots union's own), and one account per role plus a few dozen named
delegates and workers; some of them hold roles in the congresses of three grassroots unions too."""

from sqlalchemy import select

from ..extensions import db
from ..models import OrgUnit, User
from ..operations import create_unit, create_user

PASSWORD = "Zhidaihui-2026"
EMAIL_DOMAIN = "demo.local"

UNION = ("HDJX-GH", "华东机械集团有限公司工会")

# grassroots union, and the delegation its delegates form: (code, name, delegation code, delegation name)
GRASSROOTS = (
    ("GH-JJ", "机加车间工会", "DBT-1", "第一代表团(机加车间)"),
    ("GH-ZP", "装配车间工会", "DBT-2", "第二代表团(装配车间)"),
    ("GH-ZZ", "铸造车间工会", "DBT-3", "第三代表团(铸造车间)"),
    ("GH-WL", "物流中心工会", "DBT-4", "第四代表团(物流中心)"),
    ("GH-JG", "机关工会", "DBT-JG", "机关代表团"),
)

# functional department: (code, name, its handler's user name, the handler's extension for reply contacts)
DEPARTMENTS = (
    ("HR", "人力资源部", "handler2", "6021"),
    ("FIN", "财务部", "machao", "6035"),
    ("SAFETY", "安全环保部", "hubin", "6110"),
    ("LOGISTICS", "后勤保障部", "handler", "6288"),
    ("PROD", "生产管理部", "guoliang", "6302"),
    ("MGMT", "企业管理部", "linxiao", "6316"),
    ("UNION-OFFICE", "工会办公室", "luoxin", "6008"),
)
DEPARTMENT_NAMES = {code: name for code, name, _, _ in DEPARTMENTS}
HANDLERS = {code: handler for code, _, handler, _ in DEPARTMENTS}
EXTENSIONS = {code: extension for code, _, _, extension in DEPARTMENTS}

# one account per role, for the README: (user name, name, roles, department, delegation, role in Chinese)
ACCOUNTS = (
    ("worker", "陈静", ("worker",), None, "DBT-1", "职工"),
    ("delegate", "张伟", ("delegate",), None, "DBT-1", "职工代表"),
    ("delegate2", "王芳", ("delegate",), None, "DBT-2", "职工代表"),
    ("delegate3", "李娜", ("delegate",), None, "DBT-3", "职工代表"),
    ("head", "刘强", ("delegate", "delegation_head"), None, "DBT-1", "代表团团长、职工代表"),
    ("committee", "杨秀英", ("committee",), None, None, "提案工作委员会委员"),
    ("handler", "黄磊", ("department_handler",), "LOGISTICS", None, "承办部门联络人（后勤保障部）"),
    ("handler2", "周敏", ("department_handler",), "HR", None, "承办部门联络人（人力资源部）"),
    ("supervisor", "吴刚", ("supervisor",), None, None, "督办"),
    ("admin", "徐丽", ("union_admin",), None, None, "工会管理员"),
    ("leader", "孙建国", ("leader",), None, None, "领导"),
    ("jj-committee", "唐晓燕", ("worker",), None, "DBT-1", "机加车间工会提案工作委员会委员"),
    ("jj-admin", "邓建华", ("worker",), None, "DBT-1", "机加车间工会管理员"),
    ("jj-handler", "袁志强", ("department_handler",), "JJ-SB", None, "承办部门联络人（机加车间设备科）"),
    ("zp-committee", "许文", ("worker",), None, "DBT-2", "装配车间工会提案工作委员会委员"),
    ("wl-committee", "卢军", ("worker",), None, "DBT-4", "物流中心工会提案工作委员会委员"),
)

# everyone else, with the same password: (user name, name, roles, department, delegation)
PEOPLE = (
    ("zhaojun", "赵军", ("delegate",), None, "DBT-1"),
    ("fengxue", "冯雪", ("delegate",), None, "DBT-1"),
    ("jiangtao", "蒋涛", ("worker",), None, "DBT-1"),
    ("sunli", "孙丽", ("delegate", "delegation_head"), None, "DBT-2"),
    ("qianjin", "钱进", ("delegate",), None, "DBT-2"),
    ("chengang", "陈刚", ("delegate",), None, "DBT-2"),
    ("shenjia", "沈佳", ("worker",), None, "DBT-2"),
    ("zhoujie", "周杰", ("delegate", "delegation_head"), None, "DBT-3"),
    ("liming", "李明", ("delegate",), None, "DBT-3"),
    ("hejing", "何静", ("delegate",), None, "DBT-3"),
    ("hanmei", "韩梅", ("worker",), None, "DBT-3"),
    ("wanglei", "王磊", ("delegate", "delegation_head"), None, "DBT-4"),
    ("zhulin", "朱琳", ("worker",), None, "DBT-4"),
    ("zhenghao", "郑浩", ("delegate", "delegation_head"), None, "DBT-JG"),
    ("wufang", "吴芳", ("delegate",), None, "DBT-JG"),
    ("yangfan", "杨帆", ("worker",), None, "DBT-JG"),
    ("gaohong", "高红", ("committee", "delegate"), None, "DBT-JG"),
    ("machao", "马超", ("department_handler",), "FIN", None),
    ("hubin", "胡斌", ("department_handler",), "SAFETY", None),
    ("guoliang", "郭亮", ("department_handler",), "PROD", None),
    ("linxiao", "林晓", ("department_handler",), "MGMT", None),
    ("luoxin", "罗欣", ("department_handler",), "UNION-OFFICE", None),
    ("songyu", "宋宇", ("worker",), None, "DBT-4"),
)

# a grassroots union's own department: (code, name, its union, its handler's user name, extension)
GRASSROOTS_DEPARTMENTS = (("JJ-SB", "机加车间设备科", "GH-JJ", "jj-handler", "6521"),)

# the roles people hold in the congress of a grassroots union (proposals/demo/group.py), by its code
GRASSROOTS_ROLES = {
    "jj-committee": (("committee", "GH-JJ"),),
    "jj-admin": (("union_admin", "GH-JJ"),),
    "zp-committee": (("committee", "GH-ZP"),),
    "wl-committee": (("committee", "GH-WL"),),
    **{name: (("delegate", "GH-JJ"),) for name in ("delegate", "head", "zhaojun", "fengxue", "jiangtao")},
    **{name: (("delegate", "GH-ZP"),) for name in ("delegate2", "sunli", "qianjin", "chengang")},
    **{name: (("delegate", "GH-WL"),) for name in ("wanglei", "songyu", "zhulin")},
}

# delegates who co-sign when a story names nobody in particular (the role accounts act only when named)
COSIGNER_POOL = ("zhaojun", "qianjin", "liming", "sunli", "wufang", "hejing", "chengang", "zhoujie", "fengxue")

UNIT_CODES = (
    UNION[0],
    *(g[0] for g in GRASSROOTS),
    *(g[2] for g in GRASSROOTS),
    *(d[0] for d in DEPARTMENTS),
    *(d[0] for d in GRASSROOTS_DEPARTMENTS),
)
USERNAMES = (*(a[0] for a in ACCOUNTS), *(p[0] for p in PEOPLE))


def taken() -> list[str]:
    """The demo's unit codes and user names that something else in the database already uses."""
    units = db.session.scalars(select(OrgUnit.code).where(OrgUnit.code.in_(UNIT_CODES)))
    users = db.session.scalars(select(User.username).where(User.username.in_(USERNAMES)))
    return [*units, *users]


def create_organisation() -> dict[str, int]:
    """Create the units; return their ids by code."""
    ids = {}
    union = create_unit("union", {"code": UNION[0], "name": UNION[1]})
    ids[union.code] = union.id
    for code, name, delegation_code, delegation_name in GRASSROOTS:
        grassroots = create_unit("grassroots", {"code": code, "name": name, "parent_id": union.id})
        delegation = create_unit(
            "delegation", {"code": delegation_code, "name": delegation_name, "parent_id": grassroots.id}
        )
        ids[code], ids[delegation_code] = grassroots.id, delegation.id
    for code, name, _, _ in DEPARTMENTS:
        ids[code] = create_unit("department", {"code": code, "name": name}).id
    for code, name, union, _, _ in GRASSROOTS_DEPARTMENTS:
        ids[code] = create_unit("department", {"code": code, "name": name, "parent_id": ids[union]}).id
    return ids


def create_people(units: dict[str, int]) -> None:
    for username, name, roles, department, delegation, *_ in (*ACCOUNTS, *PEOPLE):
        data = {
            "username": username,
            "name": name,
            "password": PASSWORD,
            "roles": [*roles, *({"role": r, "union_id": units[u]} for r, u in GRASSROOTS_ROLES.get(username, ()))],
            "email": f"{username}@{EMAIL_DOMAIN}",
        }
        if department:
            data["department_id"] = units[department]
        if delegation:
            data["delegation_id"] = units[delegation]
        create_user(data)
