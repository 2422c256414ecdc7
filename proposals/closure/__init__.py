"""Closing the loop: the scheduled `tick` (deadlines, reminders, automatic closures), notifications in
the application, and email through the outbox (`send-mail`).

Every notification is written with the event that causes it, in the same transaction; email leaves
only after the commit, from the outbox, claimed row by row so that no message is delivered twice.
"""
