"""Errors that services raise for bad input; views show their message and change nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A clear, translatable message for the person who tried."""


class ConflictError(ServiceError):
    """Someone else changed the same thing first; nothing was overwritten."""
