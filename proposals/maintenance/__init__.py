"""Keeping the installation: backups and their restore (`flask --app proposals backup|restore DIR`)."""
