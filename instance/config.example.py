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
# Accounts (proposals/auth): login throttling, kept in the database so every process shares it
# LOGIN_FAILURES_PER_ACCOUNT = 5      # failed logins for one user name within the window ...
# LOGIN_FAILURES_PER_ADDRESS = 20     # ... or from one address, and further attempts wait
# LOGIN_FAILURE_WINDOW_MINUTES = 15
# LOGIN_ATTEMPTS_KEEP_DAYS = 180      # login records, then `tick` purges them (never less than 180)
# AUDIT_KEEP_DAYS = 1095              # the administrative log, likewise (never less than 180)
# API_TOKENS_KEEP_DAYS = 30           # expired or revoked API tokens are purged by `tick` after this
# API_TOKENS_PER_USER = 10            # live API tokens per user; a new one revokes the oldest
# SESSION_IDLE_MINUTES = 480          # a login unused this long ends ...
# SESSION_IDLE_MINUTES_UNION_ADMIN = 30   # ... for union administrators
# SECURE_COOKIES = True               # cookies always Secure (they are anyway on requests that came over HTTPS)
# Company directory (LDAP / Active Directory): see the README for every LDAP_ setting and an AD example
# LDAP_URL = "ldaps://dc1.corp.example.cn"
# LDAP_BIND_DN = "CN=svc-proposals,OU=Service Accounts,DC=corp,DC=example,DC=cn"
# LDAP_BIND_PASSWORD = "..."
# LDAP_USER_BASE = "OU=员工,DC=corp,DC=example,DC=cn"
