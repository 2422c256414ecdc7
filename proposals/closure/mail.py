"""Email over SMTP with Python's smtplib: the settings, the connection, and how failures are told apart.

Settings (instance/config.py or the environment): MAIL_SERVER (unset: no email is sent), MAIL_PORT,
MAIL_USE_TLS (STARTTLS), MAIL_USE_SSL, MAIL_USERNAME, MAIL_PASSWORD, MAIL_SENDER, and optionally
MAIL_CA_FILE (the intranet's own certificate authority), MAIL_TIMEOUT (seconds), MAIL_MAX_ATTEMPTS,
and BASE_URL (the address people open the application at, for the links in messages).
"""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

DEFAULT_PORTS = {"ssl": 465, "tls": 587, "plain": 25}


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True)
class MailConfig:
    server: str | None
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float
    ca_file: str | None
    max_attempts: int
    base_url: str

    @classmethod
    def from_app(cls, config) -> "MailConfig":
        use_ssl, use_tls = _flag(config.get("MAIL_USE_SSL")), _flag(config.get("MAIL_USE_TLS"))
        mode = "ssl" if use_ssl else "tls" if use_tls else "plain"
        server = config.get("MAIL_SERVER") or None
        return cls(
            server=server,
            port=int(config.get("MAIL_PORT") or DEFAULT_PORTS[mode]),
            use_tls=use_tls and not use_ssl,
            use_ssl=use_ssl,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_SENDER") or f"noreply@{server or 'localhost'}",
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
            ca_file=config.get("MAIL_CA_FILE") or None,
            max_attempts=max(1, int(config.get("MAIL_MAX_ATTEMPTS") or 8)),
            base_url=config.get("BASE_URL") or "http://localhost:5000/",
        )


class DeliveryError(Exception):
    """A message was not delivered.

    `permanent`: the server refused this message for good (5xx): trying again cannot help.
    `connection`: the connection or the server's settings failed, not this message: stop this run and
    try the message, and the others, again later.
    """

    def __init__(self, text: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.connection = connection


class ConnectError(DeliveryError):
    """The server could not be reached or would not take us in (TLS, login): no message was tried, so
    none is charged an attempt for it."""

    def __init__(self, text: str):
        super().__init__(text, connection=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {detail}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


class Transport:
    """One SMTP connection, opened on the first message and reused for the rest of a run."""

    def __init__(self, config: MailConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        context = ssl.create_default_context(cafile=c.ca_file)
        smtp = None
        try:
            if c.use_ssl:
                smtp = smtplib.SMTP_SSL(c.server, c.port, timeout=c.timeout, context=context)
            else:
                smtp = smtplib.SMTP(c.server, c.port, timeout=c.timeout)
                if c.use_tls:
                    smtp.starttls(context=context)
            if c.username:
                smtp.login(c.username, c.password or "")  # (smtplib takes ASCII credentials only)
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            if smtp is not None:
                smtp.close()
            raise ConnectError(_describe(exc)) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Deliver one message to the server, or raise DeliveryError saying what to do about it."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = "; ".join(f"{addr}: {code} {msg!r}" for addr, (code, msg) in exc.recipients.items())
            raise DeliveryError(text[:500], permanent=all(code >= 500 for code in codes)) from exc
        except smtplib.SMTPNotSupportedError as exc:  # this message needs what the server lacks (SMTPUTF8)
            raise DeliveryError(_describe(exc), permanent=True) from exc
        except smtplib.SMTPSenderRefused as exc:  # our own address: a setting to fix, not this message
            self.close()
            raise DeliveryError(_describe(exc), connection=True) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self.close()
                raise DeliveryError(_describe(exc), connection=True) from exc
            raise DeliveryError(_describe(exc), permanent=exc.smtp_code >= 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(_describe(exc), connection=True) from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
