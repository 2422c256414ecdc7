"""Application messages to a person in 企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu), and messages to a
department's group by its robot (群机器人).

An application message goes to the person's id in the messenger (their `ExternalIdentity` with provider
"wecom", "dingtalk" or "feishu"), sent with the application's access token, which is fetched once and
kept until it expires or the service calls it invalid (then fetched again, once per message).

The idempotency key: 飞书 takes it as the message's `uuid` (a repeat within the hour is not delivered
again); 企业微信 drops a repeat of the same request body (`enable_duplicate_check`) and 钉钉 one of the
same content to the same person on the same day; for these and the robots the key also rides in the
link (`?ref=`), the same on every attempt, so a repeat is recognisable.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .http import ChannelError, CredentialsRefused, RateLimited, Response, post_json, request, throttled

_TOKENS: dict[tuple, tuple[str, float]] = {}  # (service, base, app) -> (token, expiry on time.monotonic())
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Message:
    title: str  # a short heading: the site's name
    text: str  # the notice
    link: str  # the proposal's page, with the key


def _cached(service: str, base: str, app: str, fetch) -> str:
    with _LOCK:
        token, expiry = _TOKENS.get((service, base, app), ("", 0.0))
    if token and expiry > time.monotonic():
        return token
    token, lifetime = fetch()
    with _LOCK:
        _TOKENS[(service, base, app)] = (token, time.monotonic() + max(60, lifetime - 300))
    return token


def _forget(service: str, base: str, app: str) -> None:
    with _LOCK:
        _TOKENS.pop((service, base, app), None)


def _errcode(response: Response) -> tuple[int, str]:
    if throttled(response):
        raise RateLimited(f"HTTP 429 {response.body[:200]!r}")
    if response.status >= 500:
        raise ChannelError(f"HTTP {response.status} {response.body[:200]!r}", channel_wide=True)
    answer = response.json()
    return int(answer.get("errcode", 0) if "errcode" in answer else answer.get("code", -1)), str(
        answer.get("errmsg") or answer.get("msg") or ""
    )


class WeCom:
    """企业微信 application messages.

    Token: GET /cgi-bin/gettoken?corpid=&corpsecret= (https://developer.work.weixin.qq.com/document/path/91039).
    Send: POST /cgi-bin/message/send?access_token= with touser, msgtype "textcard", agentid and
    enable_duplicate_check (https://developer.work.weixin.qq.com/document/path/90236); errcode 0 and an
    empty `invaliduser` when delivered. Global codes (https://developer.work.weixin.qq.com/document/path/90313):
    40014 / 42001 / 40082 the token invalid or expired, 45009 the API's rate limit, 40001 / 40013 / 40056
    our secret, corp id or agent id wrong, 81013 the user unknown.
    """

    service = "wecom"
    TOKEN_INVALID = {40014, 42001, 40082}
    THROTTLED = {45009, 45033}
    CREDENTIALS = {40001, 40013, 40056, 40091}
    REFUSED = {81013, 40003, 60111}

    def __init__(self, config):
        self.base = (config.get("WECOM_API_BASE") or "https://qyapi.weixin.qq.com").rstrip("/")
        self.corp_id = config.get("WECOM_CORP_ID") or ""
        self.secret = config.get("WECOM_SECRET") or ""
        self.agent_id = config.get("WECOM_AGENT_ID") or ""

    @classmethod
    def configured(cls, config) -> bool:
        return bool(config.get("WECOM_CORP_ID") and config.get("WECOM_SECRET") and config.get("WECOM_AGENT_ID"))

    def _fetch(self):
        query = urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        code, said = _errcode(response := request("GET", f"{self.base}/cgi-bin/gettoken?{query}"))
        if code != 0:
            raise (RateLimited if code in self.THROTTLED else CredentialsRefused)(f"gettoken {code}: {said}")
        answer = response.json()
        return answer["access_token"], int(answer.get("expires_in") or 7200)

    def send(self, userid: str, message: Message, key: str) -> str:
        body = {
            "touser": userid,
            "msgtype": "textcard",
            "agentid": int(self.agent_id),
            "textcard": {"title": message.title, "description": message.text, "url": message.link, "btntxt": "详情"},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 14400,
        }
        for fresh in (False, True):
            token = _cached(self.service, self.base, self.corp_id + self.agent_id, self._fetch)
            response = post_json(f"{self.base}/cgi-bin/message/send?access_token={quote(token)}", body)
            code, said = _errcode(response)
            if code in self.TOKEN_INVALID and not fresh:
                _forget(self.service, self.base, self.corp_id + self.agent_id)
                continue
            break
        if code == 0:
            invalid = response.json().get("invaliduser")
            if invalid:
                raise ChannelError(f"企业微信 does not know the user {invalid!r}", permanent=True)
            return str(response.json().get("msgid") or "")
        raise _refusal(self, code, f"{code}: {said}")


class DingTalk:
    """钉钉 work notifications (工作通知).

    Token: GET /gettoken?appkey=&appsecret= (https://open.dingtalk.com/document/orgapp/obtain-orgapp-token).
    Send: POST /topapi/message/corpconversation/asyncsend_v2?access_token= with agent_id, userid_list and
    msg (https://open.dingtalk.com/document/orgapp/asynchronous-sending-of-enterprise-session-messages);
    errcode 0 and a task_id when taken. A repeat of the same content to the same person on one day is not
    delivered again. 40014 / 42001 / 88 the token invalid or expired, 90018 / 90002 throttled, 40089 / 43005 our
    keys or agent wrong, 33012 / 60121 the user unknown.
    """

    service = "dingtalk"
    TOKEN_INVALID = {40014, 42001, 88}
    THROTTLED = {90018, 90002, 90006}
    CREDENTIALS = {40089, 43005, 40078}
    REFUSED = {33012, 60121}

    def __init__(self, config):
        self.base = (config.get("DINGTALK_API_BASE") or "https://oapi.dingtalk.com").rstrip("/")
        self.app_key = config.get("DINGTALK_APP_KEY") or ""
        self.app_secret = config.get("DINGTALK_APP_SECRET") or ""
        self.agent_id = config.get("DINGTALK_AGENT_ID") or ""

    @classmethod
    def configured(cls, config) -> bool:
        return bool(
            config.get("DINGTALK_APP_KEY") and config.get("DINGTALK_APP_SECRET") and config.get("DINGTALK_AGENT_ID")
        )

    def _fetch(self):
        query = urlencode({"appkey": self.app_key, "appsecret": self.app_secret})
        code, said = _errcode(response := request("GET", f"{self.base}/gettoken?{query}"))
        if code != 0:
            raise (RateLimited if code in self.THROTTLED else CredentialsRefused)(f"gettoken {code}: {said}")
        answer = response.json()
        return answer["access_token"], int(answer.get("expires_in") or 7200)

    def send(self, userid: str, message: Message, key: str) -> str:
        body = {
            "agent_id": int(self.agent_id),
            "userid_list": userid,
            "msg": {
                "msgtype": "markdown",
                "markdown": {"title": message.title, "text": f"{message.text}\n\n[详情]({message.link})"},
            },
        }
        for fresh in (False, True):
            token = _cached(self.service, self.base, self.app_key, self._fetch)
            url = f"{self.base}/topapi/message/corpconversation/asyncsend_v2?access_token={quote(token)}"
            code, said = _errcode(response := post_json(url, body))
            if code in self.TOKEN_INVALID and not fresh:
                _forget(self.service, self.base, self.app_key)
                continue
            break
        if code == 0:
            return str(response.json().get("task_id") or "")
        raise _refusal(self, code, f"{code}: {said}")


class Feishu:
    """飞书 messages from the application's bot.

    Token: POST /open-apis/auth/v3/tenant_access_token/internal with app_id and app_secret
    (https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal).
    Send: POST /open-apis/im/v1/messages?receive_id_type=user_id, Authorization: Bearer, with receive_id,
    msg_type "text", content (a JSON string) and uuid, the idempotency key: a repeat within the hour is
    not delivered again (https://open.feishu.cn/document/server-docs/im-v1/message/create). code 0 when
    delivered; 99991663 / 99991661 / 99991668 the token invalid, 99991400 (HTTP 429) throttled, 10014 /
    10003 our app id or secret, 230013 / 99992361 the user out of the bot's reach or unknown.
    """

    service = "feishu"
    TOKEN_INVALID = {99991663, 99991661, 99991668}
    THROTTLED = {99991400}
    CREDENTIALS = {10014, 10003}
    REFUSED = {230013, 99992361}

    def __init__(self, config):
        self.base = (config.get("FEISHU_API_BASE") or "https://open.feishu.cn").rstrip("/")
        self.app_id = config.get("FEISHU_APP_ID") or ""
        self.app_secret = config.get("FEISHU_APP_SECRET") or ""

    @classmethod
    def configured(cls, config) -> bool:
        return bool(config.get("FEISHU_APP_ID") and config.get("FEISHU_APP_SECRET"))

    def _fetch(self):
        url = f"{self.base}/open-apis/auth/v3/tenant_access_token/internal"
        code, said = _errcode(response := post_json(url, {"app_id": self.app_id, "app_secret": self.app_secret}))
        if code != 0:
            raise (RateLimited if code in self.THROTTLED else CredentialsRefused)(f"tenant_access_token {code}: {said}")
        answer = response.json()
        return answer["tenant_access_token"], int(answer.get("expire") or 7200)

    def send(self, userid: str, message: Message, key: str) -> str:
        body = {
            "receive_id": userid,
            "msg_type": "text",
            "content": json.dumps({"text": f"{message.text}\n{message.link}"}, ensure_ascii=False),
            "uuid": key,
        }
        for fresh in (False, True):
            token = _cached(self.service, self.base, self.app_id, self._fetch)
            url = f"{self.base}/open-apis/im/v1/messages?receive_id_type=user_id"
            code, said = _errcode(response := post_json(url, body, {"Authorization": f"Bearer {token}"}))
            if code in self.TOKEN_INVALID and not fresh:
                _forget(self.service, self.base, self.app_id)
                continue
            break
        if code == 0:
            return str((response.json().get("data") or {}).get("message_id") or "")
        raise _refusal(self, code, f"{code}: {said}")


def _refusal(service, code: int, said: str) -> ChannelError:
    if code in service.THROTTLED:
        return RateLimited(said)
    if code in service.CREDENTIALS or code in service.TOKEN_INVALID:
        return CredentialsRefused(said)
    return ChannelError(said, permanent=code in service.REFUSED)


APPS = {"wecom": WeCom, "dingtalk": DingTalk, "feishu": Feishu}


# -- group robots --------------------------------------------------------------------------------------


def robot_sign(secret: str, timestamp: str, *, service: str) -> str:
    """钉钉: Base64(HMAC-SHA256(key=secret, timestamp + "\\n" + secret)); 飞书: Base64(HMAC-SHA256(
    key=timestamp + "\\n" + secret, an empty message))."""
    to_sign = f"{timestamp}\n{secret}".encode()
    if service == "dingtalk":
        digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    else:
        digest = hmac.new(to_sign, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def send_to_group(provider: str, webhook: str, secret: str | None, message: Message) -> str:
    """Post one message to a group by its robot.

    企业微信: POST the webhook (…/cgi-bin/webhook/send?key=) with msgtype "text"; errcode 0, 45009 throttled
    (20 messages a minute), 93000 the key invalid (https://developer.work.weixin.qq.com/document/path/91770).
    钉钉: POST the webhook (…/robot/send?access_token=) with `timestamp` (ms) and `sign` added to the query when
    the robot signs (加签); errcode 0, 410100 throttled, 310000 the signature or keywords refused, 300001 the
    token invalid (https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages).
    飞书: POST the webhook (…/open-apis/bot/v2/hook/…) with msg_type "text", and timestamp (s) and sign in the
    body when the robot signs; code 0, 9499 / 11232 throttled, 19021 the signature refused, 19001 the hook
    invalid (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).
    """
    text = f"{message.text}\n{message.link}"
    if provider == "wecom":
        response = post_json(webhook, {"msgtype": "text", "text": {"content": text}})
        throttle, refused = {45009}, {93000, 40008}
    elif provider == "dingtalk":
        url = webhook
        if secret:
            timestamp = str(int(time.time() * 1000))
            sign = robot_sign(secret, timestamp, service="dingtalk")
            url += ("&" if "?" in url else "?") + urlencode({"timestamp": timestamp, "sign": sign})
        response = post_json(url, {"msgtype": "text", "text": {"content": text}})
        throttle, refused = {410100}, {310000, 300001, 400101, 400102}
    elif provider == "feishu":
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if secret:
            timestamp = str(int(time.time()))
            body.update(timestamp=timestamp, sign=robot_sign(secret, timestamp, service="feishu"))
        response = post_json(webhook, body)
        throttle, refused = {9499, 11232}, {19021, 19001, 19024}
    else:
        raise ChannelError(f"No such robot: {provider!r}", permanent=True)
    code, said = _errcode(response)
    if code == 0:
        return ""
    if code in throttle:  # this robot's own limit (about 20 a minute): the other groups' robots go on
        raise ChannelError(f"rate-limited: {code}: {said}", counted=False, throttled=True)
    raise ChannelError(f"{code}: {said}", permanent=code in refused)
