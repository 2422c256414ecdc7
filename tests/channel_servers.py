"""Local stand-ins for the SMS providers and the messengers: each checks a request as the service's
documentation says it must be made (format, headers, signature, token) and answers as the service
documents: success, throttled, or the credentials refused.

They are written from the documentation, not from proposals/closure/channels, so that a request the
application gets wrong fails here. Each keeps what it accepted and counts the idempotency keys it saw
(Aliyun OutId, Tencent SessionContext, 飞书 uuid, the `ref` of the link for the others). One request can
be held: the server tells the test it arrived (`reached`) and keeps its answer back until `release`.

Each server listens on a port the system chose, in a thread of the test process.
"""

import base64
import hashlib
import hmac
import json
import re
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

ACCESS_KEY_ID, ACCESS_KEY_SECRET = "LTAI5tTestKeyId", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY = "AKIDtestsecretid", "tencent-test-secret-key"
CORP_ID, CORP_SECRET, AGENT_ID = "ww0123456789", "wecom-test-secret", "1000002"
DING_KEY, DING_SECRET, DING_AGENT = "dingtestkey", "dingtalk-test-secret", "20250301"
FEISHU_ID, FEISHU_SECRET = "cli_test0001", "feishu-test-secret"


class Refused(Exception):
    """The request is not as documented: answered 400, and the test fails on `problems`."""


class Service:
    """One stand-in. `mode`: "ok", "throttle" (the documented throttling answer), "bad_credentials"."""

    def __init__(self):
        self.mode = "ok"
        self.throttle_next = 0  # answer this many requests as throttled, then as `mode`
        self.received: list[dict] = []
        self.keys: Counter = Counter()
        self.problems: list[str] = []
        self.hold: str | None = None  # the key whose first request is held
        self.reached = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, answer = service.handle(self.command, self.path, self.headers, body)
                except Refused as exc:
                    with service.lock:
                        service.problems.append(str(exc))
                    status, answer = 400, {"error": str(exc)}
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender went away (killed) while its answer was held

            do_GET = do_POST = _answer

        return Handler

    def arrived(self, key: str, record: dict) -> None:
        """Count the key and keep the request; hold it when it is the held key's first."""
        with self.lock:
            self.keys[key] += 1
            self.received.append(record)
            first = self.keys[key] == 1
        if key == self.hold and first:
            self.reached.set()
            self.release.wait(600)

    def throttled(self) -> bool:
        with self.lock:
            if self.throttle_next:
                self.throttle_next -= 1
                return True
        return self.mode == "throttle"

    def handle(self, method, path, headers, body):  # pragma: no cover - each service has its own
        raise NotImplementedError


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise Refused(problem)


# -- Aliyun SMS ----------------------------------------------------------------------------------------


def rfc3986(value: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters kept, everything else %XX (space %20)."""
    return "".join(
        ch if re.fullmatch(r"[A-Za-z0-9\-_.~]", ch) else "".join(f"%{b:02X}" for b in ch.encode()) for ch in value
    )


class AliyunSms(Service):
    """dysmsapi SendSms, RPC style (https://www.alibabacloud.com/help/en/sms/signature-method)."""

    COMMON = {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
        "Signature",
        "RegionId",
    }

    def __init__(self):
        super().__init__()
        self.nonces: set[str] = set()

    def handle(self, method, path, headers, body):
        _check(method == "POST" and urlsplit(path).path == "/", f"{method} {path}")
        _check(headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"), "not a form")
        params = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        _check(self.COMMON <= set(params), f"common parameters missing: {self.COMMON - set(params)}")
        _check(params["Action"] == "SendSms" and params["Version"] == "2017-05-25", "action or version")
        _check(params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0", "signature method")
        _check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", params["Timestamp"]) is not None, "Timestamp format")
        _check(params["SignatureNonce"] not in self.nonces, "a SignatureNonce used again")
        self.nonces.add(params["SignatureNonce"])
        if params["AccessKeyId"] != ACCESS_KEY_ID or self.mode == "bad_credentials":
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
        signature = params.pop("Signature")
        canonical = "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(params.items()))
        to_sign = f"POST&{rfc3986('/')}&{rfc3986(canonical)}"
        expected = base64.b64encode(
            hmac.new(f"{ACCESS_KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if signature != expected:
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        _check({"PhoneNumbers", "SignName", "TemplateCode", "TemplateParam", "OutId"} <= set(params), "SendSms fields")
        template = json.loads(params["TemplateParam"])
        _check(set(template) == {"content", "link"}, f"TemplateParam {template}")
        if self.throttled():
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": "r"}
        self.arrived(params["OutId"], {"to": params["PhoneNumbers"], "sign": params["SignName"], **template})
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"9006197469364984^{len(self.received)}", "RequestId": "r"}


# -- Tencent Cloud SMS ---------------------------------------------------------------------------------


class TencentSms(Service):
    """SendSms 2021-01-11 with TC3-HMAC-SHA256 (https://www.tencentcloud.com/document/product/382/40467)."""

    AUTH = re.compile(
        r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d\d-\d\d)/sms/tc3_request, "
        r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})"
    )

    def handle(self, method, path, headers, body):
        _check(method == "POST" and path == "/", f"{method} {path}")
        _check(headers.get("X-TC-Action") == "SendSms" and headers.get("X-TC-Version") == "2021-01-11", "action")
        _check(bool(headers.get("X-TC-Region")), "X-TC-Region missing")
        match = self.AUTH.fullmatch(headers.get("Authorization", ""))
        _check(match is not None, f"Authorization {headers.get('Authorization')!r}")
        secret_id, date, signed, signature = match.groups()
        timestamp = headers.get("X-TC-Timestamp", "")
        _check(datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") == date, "the date is the timestamp's")
        if secret_id != TENCENT_ID or self.mode == "bad_credentials":
            return 200, {
                "Response": {
                    "Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "SecretId不存在"},
                    "RequestId": "r",
                }
            }
        names = signed.split(";")
        canonical_headers = "".join(f"{n}:{headers.get(n, '').strip().lower()}\n" for n in names)
        canonical = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
        to_sign = "\n".join(
            ["TC3-HMAC-SHA256", timestamp, f"{date}/sms/tc3_request", hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = f"TC3{TENCENT_KEY}".encode()
        for part in (date, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if "host" not in names or hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() != signature:
            return 200, {
                "Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"}, "RequestId": "r"}
            }
        payload = json.loads(body)
        _check(
            {"PhoneNumberSet", "SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet", "SessionContext"}
            <= set(payload),
            "fields",
        )
        _check(all(re.fullmatch(r"\+86\d{11}", n) for n in payload["PhoneNumberSet"]), "E.164 numbers")
        if self.throttled():
            return 200, {
                "Response": {
                    "Error": {"Code": "RequestLimitExceeded", "Message": "请求的次数超过了频率限制"},
                    "RequestId": "r",
                }
            }
        content, link = payload["TemplateParamSet"]
        self.arrived(
            payload["SessionContext"],
            {"to": payload["PhoneNumberSet"][0], "sign": payload["SignName"], "content": content, "link": link},
        )
        status = {
            "SerialNo": f"2028:{len(self.received)}",
            "PhoneNumber": payload["PhoneNumberSet"][0],
            "Fee": 1,
            "SessionContext": payload["SessionContext"],
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}}


# -- the messengers ------------------------------------------------------------------------------------


def ref_of(link: str) -> str:
    refs = parse_qs(urlsplit(link).query).get("ref") or [""]
    return refs[0]


class Messenger(Service):
    """What the three messengers share: an access token to hand out, to check, and to invalidate."""

    def __init__(self):
        super().__init__()
        self.tokens: set[str] = set()
        self.issued = 0
        self.robots: dict[str, str | None] = {}  # robot token -> its 加签 secret

    def issue(self) -> str:
        with self.lock:
            self.issued += 1
            token = f"token-{self.issued}"
            self.tokens.add(token)
        return token

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()


class WeCom(Messenger):
    """企业微信 (https://developer.work.weixin.qq.com/document/path/90236, /91039, /91770)."""

    def handle(self, method, path, headers, body):
        url = urlsplit(path)
        query = dict(parse_qsl(url.query))
        if url.path == "/cgi-bin/gettoken":
            _check(method == "GET", "gettoken is a GET")
            if (query.get("corpid"), query.get("corpsecret")) != (
                CORP_ID,
                CORP_SECRET,
            ) or self.mode == "bad_credentials":
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issue(), "expires_in": 7200}
        payload = json.loads(body)
        if url.path == "/cgi-bin/webhook/send":
            _check(query.get("key") in self.robots, f"no robot {query.get('key')!r}")
            if self.throttled():
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            _check(payload.get("msgtype") == "text" and payload["text"].get("content"), "robot text")
            self.arrived(ref_of(payload["text"]["content"].split()[-1]), {"robot": query["key"], **payload["text"]})
            return 200, {"errcode": 0, "errmsg": "ok"}
        _check(url.path == "/cgi-bin/message/send" and method == "POST", f"{method} {path}")
        if query.get("access_token") not in self.tokens:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if self.throttled():
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        _check(payload.get("agentid") == int(AGENT_ID) and payload.get("msgtype") == "textcard", "agentid, msgtype")
        card = payload.get("textcard") or {}
        _check(all(card.get(k) for k in ("title", "description", "url")), f"textcard {card}")
        _check(payload.get("enable_duplicate_check") == 1, "duplicate check")
        self.arrived(ref_of(card["url"]), {"to": payload["touser"], **card})
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"m{len(self.received)}"}


class DingTalk(Messenger):
    """钉钉 work notifications and custom robots (加签)."""

    def handle(self, method, path, headers, body):
        url = urlsplit(path)
        query = dict(parse_qsl(url.query))
        if url.path == "/gettoken":
            if (query.get("appkey"), query.get("appsecret")) != (
                DING_KEY,
                DING_SECRET,
            ) or self.mode == "bad_credentials":
                return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issue(), "expires_in": 7200}
        payload = json.loads(body)
        if url.path == "/robot/send":
            secret = self.robots.get(query.get("access_token"), "missing")
            _check(secret != "missing", "no such robot")
            if secret:
                timestamp = query.get("timestamp", "")
                digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
                if query.get("sign") != base64.b64encode(digest).decode():
                    return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if self.throttled():
                return 200, {"errcode": 410100, "errmsg": "send too fast"}
            self.arrived(
                ref_of(payload["text"]["content"].split()[-1]), {"robot": query["access_token"], **payload["text"]}
            )
            return 200, {"errcode": 0, "errmsg": "ok"}
        _check(url.path == "/topapi/message/corpconversation/asyncsend_v2", path)
        if query.get("access_token") not in self.tokens:
            return 200, {"errcode": 40014, "errmsg": "不合法的access_token"}
        if self.throttled():
            return 200, {"errcode": 90018, "errmsg": "请求被限流"}
        _check(payload.get("agent_id") == int(DING_AGENT) and payload.get("userid_list"), "agent_id, userid_list")
        markdown = payload["msg"]["markdown"]
        link = re.search(r"\((http[^)]+)\)", markdown["text"]).group(1)
        self.arrived(ref_of(link), {"to": payload["userid_list"], **markdown})
        return 200, {"errcode": 0, "errmsg": "ok", "task_id": len(self.received), "request_id": "r"}


class Feishu(Messenger):
    """飞书 tenant_access_token, im/v1/messages (uuid) and custom bots (签名校验)."""

    def handle(self, method, path, headers, body):
        url = urlsplit(path)
        payload = json.loads(body)
        if url.path == "/open-apis/auth/v3/tenant_access_token/internal":
            if (payload.get("app_id"), payload.get("app_secret")) != (
                FEISHU_ID,
                FEISHU_SECRET,
            ) or self.mode == "bad_credentials":
                return 200, {"code": 10014, "msg": "app secret invalid"}
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": self.issue(), "expire": 7200}
        if url.path.startswith("/open-apis/bot/v2/hook/"):
            token = url.path.rsplit("/", 1)[1]
            secret = self.robots.get(token, "missing")
            _check(secret != "missing", "no such robot")
            if secret:
                to_sign = f"{payload.get('timestamp')}\n{secret}".encode()
                if payload.get("sign") != base64.b64encode(hmac.new(to_sign, b"", hashlib.sha256).digest()).decode():
                    return 200, {
                        "code": 19021,
                        "msg": "sign match fail or timestamp is not within one hour from current time",
                    }
            if self.throttled():
                return 429, {"code": 9499, "msg": "too many request"}
            self.arrived(ref_of(payload["content"]["text"].split()[-1]), {"robot": token, **payload["content"]})
            return 200, {"code": 0, "msg": "success", "data": {}}
        _check(url.path == "/open-apis/im/v1/messages" and dict(parse_qsl(url.query)).get("receive_id_type"), path)
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}
        if self.throttled():
            return 429, {"code": 99991400, "msg": "request trigger frequency limit"}
        _check(payload.get("msg_type") == "text" and len(payload.get("uuid", "")) <= 50, "msg_type, uuid")
        text = json.loads(payload["content"])["text"]
        self.arrived(payload["uuid"], {"to": payload["receive_id"], "text": text})
        return 200, {"code": 0, "msg": "success", "data": {"message_id": f"om_{len(self.received)}"}}


def settings(sms: Service | None = None, wecom=None, dingtalk=None, feishu=None) -> dict:
    """The application's settings for the given stand-ins."""
    found: dict = {"BASE_URL": "https://tian.example.cn/"}
    if isinstance(sms, AliyunSms):
        found.update(
            SMS_PROVIDER="aliyun",
            SMS_ACCESS_KEY_ID=ACCESS_KEY_ID,
            SMS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
            SMS_SIGN_NAME="天工工会",
            SMS_TEMPLATE="SMS_123456789",
            SMS_ENDPOINT=sms.url + "/",
        )
    elif isinstance(sms, TencentSms):
        found.update(
            SMS_PROVIDER="tencent",
            SMS_ACCESS_KEY_ID=TENCENT_ID,
            SMS_ACCESS_KEY_SECRET=TENCENT_KEY,
            SMS_SIGN_NAME="天工工会",
            SMS_TEMPLATE="1234567",
            SMS_SDK_APP_ID="1400006666",
            SMS_ENDPOINT=sms.url + "/",
        )
    if wecom:
        found.update(WECOM_CORP_ID=CORP_ID, WECOM_SECRET=CORP_SECRET, WECOM_AGENT_ID=AGENT_ID, WECOM_API_BASE=wecom.url)
    if dingtalk:
        found.update(
            DINGTALK_APP_KEY=DING_KEY,
            DINGTALK_APP_SECRET=DING_SECRET,
            DINGTALK_AGENT_ID=DING_AGENT,
            DINGTALK_API_BASE=dingtalk.url,
        )
    if feishu:
        found.update(FEISHU_APP_ID=FEISHU_ID, FEISHU_APP_SECRET=FEISHU_SECRET, FEISHU_API_BASE=feishu.url)
    return found


__all__ = ["AliyunSms", "TencentSms", "WeCom", "DingTalk", "Feishu", "settings", "quote"]
