"""A person's accounts elsewhere (外部账号): a directory entry, a sign-in provider's subject, a messenger id.

One row links one user to one outside account: `provider` names where it lives (a configured directory
or sign-in provider, or a messaging channel: "ldap", "keycloak", "wecom", "dingtalk", "feishu"…) and
`subject` is that place's stable id for the person (an LDAP entry's DN or objectGUID, an OIDC `sub`, a
企业微信 userid). An outside account belongs to one user; a user may have several.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ExternalIdentity(db.Model):
    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_external_identities_provider_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ExternalIdentity {self.provider}:{self.subject} of user {self.user_id}>"
