"""The problem document every error answers with (RFC 9457, as api.errors writes it)."""

from __future__ import annotations

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
