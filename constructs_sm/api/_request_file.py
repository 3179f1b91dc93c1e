"""Request files read strictly, and the CLI's option values checked, before any synthesis.

Every refusal is a :class:`~constructs_sm.errors.ValidationError` naming the file (for what is
wrong with the file as a whole) or the JSON path (for a value inside it).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from ..errors import ValidationError

MAX_BYTES = 1 << 20
"""A request is a few kB; CloudFormation takes templates up to 1 MB."""
MAX_DEPTH = 64
"""Objects and arrays nested deeper than this are refused (SageMaker's deepest request nests about 8)."""

_INT64 = range(-(2**63), 2**63)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")

_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}", re.ASCII)
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)


class _Pairs:
    """An object's members as parsed, in order: duplicates are found with their JSON path later."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


class _Refused:
    """A number the parser saw and the request may not hold; reported with its JSON path later."""

    __slots__ = ("rule", "text")

    def __init__(self, rule: str, text: str) -> None:
        self.rule = rule
        self.text = text


def load_request(path: Path) -> dict[str, Any]:
    """The JSON object in the request file ``path``, read strictly.

    Refused: an unreadable file, more than :data:`MAX_BYTES`, bytes that are not UTF-8, an empty
    file, invalid JSON, a top level that is not an object, nesting deeper than :data:`MAX_DEPTH`,
    NaN and Infinity, duplicate keys, integers outside 64 bits, floats that overflow, and lone
    surrogates (``"\\ud800"``) in strings.
    """
    where = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ValidationError(
            where, f"must be a readable file ({error.strerror or error})", type(error).__name__
        ) from None
    if len(data) > MAX_BYTES:
        raise ValidationError(
            where, f"must be at most {MAX_BYTES} bytes (1 MiB; a request is a few kB)", f"more than {MAX_BYTES} bytes"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(
            where, f"must be UTF-8 (byte {error.start} is not)", data[error.start : error.start + 4]
        ) from None
    if not text.strip():
        raise ValidationError(where, "must not be empty (it holds the request, a JSON object)", f"{len(data)} bytes")
    _check_depth(where, text)
    try:
        parsed = json.loads(
            text, object_pairs_hook=_Pairs, parse_constant=_constant, parse_int=_integer, parse_float=_float
        )
    except json.JSONDecodeError as error:
        raise ValidationError(
            where,
            f"must be JSON ({error.msg.removesuffix(' at')} at line {error.lineno}, column {error.colno})",
            text[error.pos : error.pos + 20],
        ) from None
    except RecursionError:
        raise ValidationError(where, f"must nest at most {MAX_DEPTH} levels deep", "too deep for the parser") from None
    if not isinstance(parsed, _Pairs):
        raise ValidationError(where, "must hold a JSON object (the request)", _json_type(parsed))
    request: dict[str, Any] = _build(where, parsed)
    return request


def check_stack_name(name: str) -> None:
    """Refuse what CloudFormation refuses as a stack name: ``[A-Za-z][A-Za-z0-9-]*``, at most 128 characters."""
    _check_option(
        "--stack-name",
        name,
        _STACK_NAME,
        "must start with a letter and hold only letters, digits and '-' (ASCII), at most 128 characters",
    )


def check_account(value: str) -> None:
    """Refuse anything but a 12-digit AWS account ID (ASCII digits)."""
    _check_option("--account", value, _ACCOUNT, "must be a 12-digit AWS account ID")


def check_region(value: str) -> None:
    """Refuse anything not shaped like an AWS region name such as ``us-east-1``."""
    _check_option("--region", value, _REGION, "must be an AWS region such as us-east-1")


def _check_option(option: str, value: object, pattern: re.Pattern[str], rule: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(option, rule, value)


def _check_depth(where: str, text: str) -> None:
    """Count brackets outside strings, without recursion: the parser is never handed a deep document."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ValidationError(where, f"must nest at most {MAX_DEPTH} levels deep", f"more than {MAX_DEPTH}")
        else:
            depth -= 1


def _constant(name: str) -> _Refused:
    return _Refused("must be a JSON number (NaN and Infinity are not)", name)


def _integer(text: str) -> int | _Refused:
    # int() refuses strings of more than 4300 digits: the length is checked first.
    if len(text.lstrip("-")) > 19 or int(text) not in _INT64:
        return _Refused("must be an integer within 64 bits (SageMaker's integers are 32-bit)", text)
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused("must be a finite number (it overflows a 64-bit float)", text)
    return value


def _build(where: str, root: _Pairs) -> dict[str, Any]:
    """Dicts from the parsed pairs, iteratively and in document order, refusing duplicate keys,
    refused numbers and lone surrogates with their JSON path."""
    top: dict[str, Any] = {}
    # (parsed value, its JSON path, the container to put it in, its key or index there)
    pending: list[tuple[Any, str, Any, Any]] = [(root, "", top, "")]
    while pending:
        node, at, container, slot = pending.pop()
        if isinstance(node, _Pairs):
            built: dict[str, Any] = {}
            children = []
            for key, value in node.pairs:
                child = f"{at}.{key}" if at else key
                if _SURROGATE.search(key):
                    raise ValidationError(child or where, "must be a Unicode string (no lone surrogates)", key)
                if key in built:
                    raise ValidationError(child, "must appear once in its object (duplicate JSON key)", key)
                built[key] = None
                children.append((value, child, built, key))
            pending.extend(reversed(children))
            container[slot] = built
        elif isinstance(node, list):
            pending.extend(reversed([(value, f"{at}[{index}]", node, index) for index, value in enumerate(node)]))
            container[slot] = node
        elif isinstance(node, _Refused):
            raise ValidationError(at or where, node.rule, node.text)
        elif isinstance(node, str) and _SURROGATE.search(node):
            raise ValidationError(at or where, "must be a Unicode string (no lone surrogates)", node)
        else:
            container[slot] = node
    request: dict[str, Any] = top[""]
    return request


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
