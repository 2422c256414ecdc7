# Copy to instance/config.py and adjust. Environment variables override these values.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://proposals:secret@localhost/proposals"  # or DATABASE_URL
# SECRET_KEY = "..."  # when unset, one is generated into instance/secret_key on first run
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
