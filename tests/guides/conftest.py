"""Guides tests reuse the relay log in force from tests/logs (Eva coordinates Mia's
level-2 log at the kindergarten; Gro, the mother, consented)."""

from tests.logs.conftest import LogWorld, active_log

__all__ = ["LogWorld", "active_log"]
