# Copy to instance/config.py and adjust. Environment variables override these values.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://proposals:secret@localhost/proposals"  # or DATABASE_URL
# SECRET_KEY = "..."  # when unset, one is generated into instance/secret_key on first run
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = True        # STARTTLS; or MAIL_USE_SSL = True for SMTPS
# MAIL_USERNAME = "..."
# MAIL_PASSWORD = "..."
# MAIL_SENDER = "提案管理系统 <proposals@example.com>"
# BASE_URL = "https://proposals.example.com/"  # the address used in the links of e-mails
