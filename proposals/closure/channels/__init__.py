"""Messages where people read them: SMS (Aliyun, Tencent Cloud), 企业微信, 钉钉 and 飞书 (a person's
application messages, and a department group's robot), beside the in-app list and email.

- preferences.py: who wants which channel for which kind of notice (the union's defaults, each
  person's own choice), and where their addresses come from (User.mobile, ExternalIdentity);
- plan.py: the deliveries a new notification gets, written in its transaction;
- outbox.py: sending them, per channel, at least once, each with its idempotency key;
- texts.py: what they say (Chinese, one SMS segment, a link, never a hidden author);
- sms.py, messengers.py: the services' request formats and signatures; http.py: outbound HTTP and
  the OUTBOUND_PROXY setting; cli.py: `flask channels send` and `flask channels test`.
"""
