"""SMS through a provider: Aliyun SMS (阿里云短信服务) or Tencent Cloud SMS (腾讯云短信).

Both send a registered template (模板) under a registered signature (签名): the application fills the
template's two variables, the notice (`content`) and the link (`link`), so the template to register is
`${content} ${link}` (Aliyun) or `{1} {2}` (Tencent). Each message carries its delivery's idempotency
key (Aliyun `OutId`, Tencent `SessionContext`), the same on every attempt, so a message sent again
after a sender stopped is recognised as the first in the providers' delivery reports.
"""

import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

from .http import ChannelError, CredentialsRefused, RateLimited, request, throttled


@dataclass(frozen=True)
class SmsConfig:
    provider: str  # "aliyun" or "tencent"
    key_id: str
    key_secret: str
    sign_name: str
    template: str
    app_id: str | None  # Tencent's SmsSdkAppId
    region: str
    endpoint: str

    @classmethod
    def from_app(cls, config) -> "SmsConfig | None":
        provider = (config.get("SMS_PROVIDER") or "").lower()
        if provider not in PROVIDERS or not config.get("SMS_ACCESS_KEY_ID"):
            return None
        return cls(
            provider=provider,
            key_id=config["SMS_ACCESS_KEY_ID"],
            key_secret=config.get("SMS_ACCESS_KEY_SECRET") or "",
            sign_name=config.get("SMS_SIGN_NAME") or "",
            template=str(config.get("SMS_TEMPLATE") or ""),
            app_id=str(config.get("SMS_SDK_APP_ID") or "") or None,
            region=config.get("SMS_REGION") or DEFAULT_REGIONS[provider],
            endpoint=config.get("SMS_ENDPOINT") or DEFAULT_ENDPOINTS[provider],
        )


DEFAULT_ENDPOINTS = {"aliyun": "https://dysmsapi.aliyuncs.com/", "tencent": "https://sms.tencentcloudapi.com/"}
DEFAULT_REGIONS = {"aliyun": "cn-hangzhou", "tencent": "ap-guangzhou"}
MAINLAND = re.compile(r"1[3-9]\d{9}")


def mainland_number(mobile: str | None) -> str:
    """The 11-digit mainland number of `mobile` (spaces, dashes and a +86 or 0086 prefix allowed), or a
    permanent ChannelError."""
    digits = re.sub(r"[\s\-()]", "", mobile or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    if not MAINLAND.fullmatch(digits):
        raise ChannelError(f"Not a mainland mobile number: {mobile!r}", permanent=True)
    return digits


class AliyunSms:
    """dysmsapi SendSms (API version 2017-05-25), an RPC-style call signed with the HMAC-SHA1 "POP" signature.

    Request: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms
    (PhoneNumbers, SignName, TemplateCode, TemplateParam as JSON, OutId) with the common parameters
    (Action, Version, Format, AccessKeyId, SignatureMethod, SignatureVersion, SignatureNonce, Timestamp, RegionId).
    Signature: https://www.alibabacloud.com/help/en/sms/signature-method : the parameters sorted by name,
    each name and value percent-encoded (RFC 3986: space %20, * %2A, ~ kept) and joined by & and =;
    StringToSign = METHOD & %2F & percentEncode(that); Signature = Base64(HMAC-SHA1(secret + "&", StringToSign)).
    Answers: {"Code": "OK", "BizId": ...}, or a Code such as isv.BUSINESS_LIMIT_CONTROL (throttled),
    InvalidAccessKeyId.NotFound / SignatureDoesNotMatch (our keys), isv.MOBILE_NUMBER_ILLEGAL (the number).
    """

    THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "isv.DAY_LIMIT_CONTROL"}
    CREDENTIALS = {"InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch"}
    REFUSED = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.PARAM_LENGTH_LIMIT"}

    def __init__(self, config: SmsConfig):
        self.config = config

    def send(self, mobile: str, content: str, link: str, key: str, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        params = {
            "AccessKeyId": self.config.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": key,
            "PhoneNumbers": mainland_number(mobile),
            "RegionId": self.config.region,
            "SignName": self.config.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.config.template,
            "TemplateParam": json.dumps({"content": content, "link": link}, ensure_ascii=False),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = pop_signature("POST", params, self.config.key_secret)
        response = request(
            "POST",
            self.config.endpoint,
            body=urlencode(params, quote_via=quote).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        if throttled(response):
            raise RateLimited(f"HTTP 429 {response.body[:200]!r}")
        answer = response.json()
        code = answer.get("Code")
        if code == "OK":
            return str(answer.get("BizId") or "")
        said = f"{code}: {answer.get('Message')}"
        if code in self.THROTTLED:
            raise RateLimited(said)
        if code in self.CREDENTIALS:
            raise CredentialsRefused(said)
        raise ChannelError(said, permanent=code in self.REFUSED)


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def pop_signature(method: str, params: dict, secret: str) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class TencentSms:
    """SendSms of Tencent Cloud SMS (API version 2021-01-11), signed with TC3-HMAC-SHA256.

    Request: https://cloud.tencent.com/document/api/382/55981 (PhoneNumberSet in E.164, SmsSdkAppId,
    SignName, TemplateId, TemplateParamSet, SessionContext), a JSON POST with the common headers
    X-TC-Action, X-TC-Version, X-TC-Timestamp, X-TC-Region (https://www.tencentcloud.com/document/product/382/40466).
    Signature v3: https://www.tencentcloud.com/document/product/382/40467 : CanonicalRequest =
    POST \\n / \\n (no query) \\n content-type and host headers \\n their names \\n SHA256hex(payload);
    StringToSign = TC3-HMAC-SHA256 \\n timestamp \\n date/sms/tc3_request \\n SHA256hex(CanonicalRequest);
    the key derived as HMAC(HMAC(HMAC("TC3" + SecretKey, date), "sms"), "tc3_request").
    Answers: Response.SendStatusSet[0].Code "Ok", or Response.Error.Code such as RequestLimitExceeded or
    LimitExceeded.* (throttled), AuthFailure.* (our keys), InvalidParameterValue.IncorrectPhoneNumber.
    """

    REFUSED = {"InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist"}

    def __init__(self, config: SmsConfig):
        self.config = config

    def send(self, mobile: str, content: str, link: str, key: str, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{mainland_number(mobile)}"],
                "SmsSdkAppId": self.config.app_id or "",
                "SignName": self.config.sign_name,
                "TemplateId": self.config.template,
                "TemplateParamSet": [content, link],
                "SessionContext": key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        host = urlsplit(self.config.endpoint).netloc
        timestamp = int(now.timestamp())
        content_type = "application/json; charset=utf-8"
        headers = {
            "Authorization": tc3_authorization(self.config, host, content_type, payload, timestamp),
            "Content-Type": content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self.config.region,
        }
        response = request("POST", self.config.endpoint, body=payload, headers=headers)
        if throttled(response):
            raise RateLimited(f"HTTP 429 {response.body[:200]!r}")
        answer = response.json().get("Response") or {}
        error = answer.get("Error")
        if error:
            return self._refused(error.get("Code") or "", f"{error.get('Code')}: {error.get('Message')}")
        statuses = answer.get("SendStatusSet") or [{}]
        code = statuses[0].get("Code")
        if code == "Ok":
            return str(statuses[0].get("SerialNo") or "")
        return self._refused(code or "", f"{code}: {statuses[0].get('Message')}")

    def _refused(self, code: str, said: str):
        if code.startswith(("RequestLimitExceeded", "LimitExceeded")):
            raise RateLimited(said)
        if code.startswith("AuthFailure"):
            raise CredentialsRefused(said)
        raise ChannelError(said, permanent=code in self.REFUSED)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def tc3_authorization(config: SmsConfig, host: str, content_type: str, payload: bytes, timestamp: int) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{config.key_secret}".encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={config.key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


PROVIDERS = {"aliyun": AliyunSms, "tencent": TencentSms}


def provider(config: SmsConfig):
    return PROVIDERS[config.provider](config)
