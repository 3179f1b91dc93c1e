"""Value checks shared by every module; each skips values known only at deploy or run time."""

from __future__ import annotations

import re
from collections.abc import Sized
from typing import Any

from .errors import ValidationError

# Patterns from the API reference (seeds 000-004).
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
S3_URI_PATTERN = re.compile(r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/\S*)?")


def is_unresolved(value: Any) -> bool:
    """True for a CDK token or a state-input JSONPath: its value is not known at synth time."""
    if isinstance(value, str):
        return "${Token[" in value or value.startswith("$")
    if isinstance(value, float):
        # CDK encodes number tokens as doubles near -1.8881545897087626e+289.
        return value < -1e288
    return False


def check_length(field: str, value: str | None, minimum: int, maximum: int) -> None:
    if value is None or is_unresolved(value):
        return
    if not minimum <= len(value) <= maximum:
        raise ValidationError(field, f"length must be between {minimum} and {maximum} characters", value)


def check_pattern(field: str, value: str | None, pattern: re.Pattern[str], rule: str) -> None:
    if value is None or is_unresolved(value):
        return
    if not pattern.fullmatch(value):
        raise ValidationError(field, rule, value)


def check_job_name(field: str, value: str | None, maximum: int) -> None:
    check_length(field, value, 1, maximum)
    check_pattern(
        field,
        value,
        JOB_NAME_PATTERN,
        "must match ^[a-zA-Z0-9](-*[a-zA-Z0-9])* (letters, digits and hyphens, "
        "starting and ending with a letter or digit)",
    )


def check_range(field: str, value: float | None, minimum: float | None = None, maximum: float | None = None) -> None:
    if value is None or is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, "must be a number", value)
    if minimum is not None and value < minimum:
        raise ValidationError(field, f"must be at least {minimum}", value)
    if maximum is not None and value > maximum:
        raise ValidationError(field, f"must be at most {maximum}", value)


def check_count(field: str, items: Sized, minimum: int, maximum: int) -> None:
    if not minimum <= len(items) <= maximum:
        raise ValidationError(field, f"must have between {minimum} and {maximum} items", f"{len(items)} items")


def check_string_map(field: str, mapping: Any, max_entries: int, max_length: int = 256) -> None:
    """A string-to-string map such as HyperParameters or Environment."""
    if not isinstance(mapping, dict):
        raise ValidationError(field, "must be a dict of strings to strings", mapping)
    check_count(field, mapping, 0, max_entries)
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise ValidationError(f"{field} key", "must be a string", key)
        if not isinstance(value, str):
            raise ValidationError(f"{field}.{key}", "must be a string (SageMaker passes every value as text)", value)
        check_length(f"{field} key", key, 1, max_length)
        check_length(f"{field}.{key}", value, 0, max_length)


def check_tags(field: str, tags: Any) -> None:
    """Tags: at most 50; keys 1-128 characters, values 0-256 (Tag in the API reference)."""
    if not isinstance(tags, dict):
        raise ValidationError(field, "must be a dict of tag keys to values", tags)
    check_count(field, tags, 0, 50)
    for key, value in tags.items():
        check_length(f"{field} key", key, 1, 128)
        if not isinstance(value, str):
            raise ValidationError(f"{field}.{key}", "must be a string", value)
        check_length(f"{field}.{key}", value, 0, 256)
        if not is_unresolved(key) and key.lower().startswith("aws:"):
            raise ValidationError(f"{field} key", "must not start with the reserved prefix 'aws:'", key)


def check_enum(field: str, value: Any, enum_type: type) -> None:
    if not isinstance(value, enum_type):
        allowed = ", ".join(f"{enum_type.__name__}.{m.name}" for m in enum_type)  # type: ignore[attr-defined]
        raise ValidationError(field, f"must be one of {allowed}", value)


_ENVIRONMENT_KEY = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def check_environment(field: str, environment: Any, max_entries: int) -> None:
    """Environment variables: keys and values at most 512 characters, keys shell-variable names."""
    check_string_map(field, environment, max_entries, 512)
    for key in environment:
        check_pattern(f"{field} key", key, _ENVIRONMENT_KEY, "must match [a-zA-Z_][a-zA-Z0-9_]* (a variable name)")
