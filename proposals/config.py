"""Configuration: defaults, then instance/config.py, then environment variables."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
    "ATTACHMENTS_DIR",
    "TRUSTED_PROXIES",
    # the channels (closure/channels): SMS and the messengers, and the proxy outbound requests go through
    "OUTBOUND_PROXY",
    "CHANNEL_TIMEOUT",
    "CHANNEL_MAX_ATTEMPTS",
    "SMS_PROVIDER",
    "SMS_ACCESS_KEY_ID",
    "SMS_ACCESS_KEY_SECRET",
    "SMS_SIGN_NAME",
    "SMS_TEMPLATE",
    "SMS_SDK_APP_ID",
    "SMS_REGION",
    "SMS_ENDPOINT",
    "WECOM_CORP_ID",
    "WECOM_AGENT_ID",
    "WECOM_SECRET",
    "WECOM_API_BASE",
    "DINGTALK_APP_KEY",
    "DINGTALK_APP_SECRET",
    "DINGTALK_AGENT_ID",
    "DINGTALK_API_BASE",
    "FEISHU_APP_ID",
    "FEISHU_APP_SECRET",
    "FEISHU_API_BASE",
)


class ConfigurationError(RuntimeError):
    """A setting the application cannot run with; said at start-up, before any request."""


def load(app: Flask, test_config: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'proposals.sqlite'}",
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        LANGUAGES=["zh_Hans_CN", "en"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        API_TOKEN_HOURS=24,
        TRUSTED_PROXIES=0,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if "DATABASE_URL" in os.environ and not (test_config and "SQLALCHEMY_DATABASE_URI" in test_config):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    for key in ENV_KEYS[1:]:
        if key in os.environ:
            app.config[key] = os.environ[key]
    if not app.config.get("SECRET_KEY"):
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            # a database server is what several hosts share: a key made up per host would make each
            # host refuse the others' session cookies, so a user would be logged out at random
            raise ConfigurationError(
                "SECRET_KEY must be set (environment or instance/config.py) when the database is a server: "
                "every host serving this database needs the same key. Generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        app.config["SECRET_KEY"] = _instance_secret(instance)
    _trust_proxies(app)


def _instance_secret(instance: Path) -> str:
    """Read the secret key kept in the instance folder, creating it on first run."""
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies (nginx: 1), believe their X-Forwarded-For/-Proto/-Host/-Port/-Prefix,
    so request.is_secure, the client's address and the links the application makes are the public ones."""
    value = app.config["TRUSTED_PROXIES"]
    try:
        hops = int(value)
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise ConfigurationError(
            f"TRUSTED_PROXIES must be the number of reverse proxies in front (0, 1, ...), not {value!r}"
        )
    app.config["TRUSTED_PROXIES"] = hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
