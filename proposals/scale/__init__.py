"""Data at scale: `flask --app proposals generate --proposals N` (generate.py)."""

from .generate import generate, generate_command

__all__ = ["generate", "generate_command"]
