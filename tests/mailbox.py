"""A real SMTP server for the tests (aiosmtpd): what it accepts is kept, and it can be told to refuse."""

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """An SMTP handler keeping what it accepts; it answers 451 to the first `refuse` messages."""

    def __init__(self, refuse: int = 0, reply: str = "451 4.3.0 Try again later"):
        self.refuse = refuse
        self.reply = reply
        self.received: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return self.reply
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    def recipients(self) -> list[str]:
        return sorted(rcpt for rcpts, _ in self.received for rcpt in rcpts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A running SMTP server the application is configured to send through."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_SENDER="提案系统 <tian@union.example.cn>",
        BASE_URL="http://tian.example.cn/",
    )
    yield mailbox
    controller.stop()
