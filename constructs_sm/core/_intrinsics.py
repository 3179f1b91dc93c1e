"""Resolved CloudFormation values (strings and intrinsic functions) as readable text.

One renderer for every tool that shows a template value to a person or names it in a finding:
``{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]}`` becomes
``arn:${AWS::Partition}:s3:::b``. Pure Python, no aws_cdk import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

Style = Literal["sub", "nag"]

_SUB_PLACEHOLDER = re.compile(r"\$\{([^}!][^}]*)\}")


def to_text(value: Any, *, style: Style = "sub", bare: bool = False) -> str:
    """Readable text for a resolved CloudFormation value.

    Parameters
    ----------
    value:
        A string, number, list, mapping or intrinsic function, as the template holds it.
    style:
        ``"sub"`` (default): ``Fn::Sub`` syntax, the form CloudFormation users read:
        ``Ref`` as ``${X}``, ``Fn::GetAtt`` as ``${X.Arn}``, a ``Fn::Sub`` with variables with those
        variables filled in, ``Fn::Select`` of a literal list as the item, other functions as
        ``${Fn::Name(args)}``; a mapping or list as compact JSON with its intrinsics as text.
        ``"nag"``: cdk-nag's ``flattenCfnReference``, the form its finding ids use (``<X>``,
        ``<X.Arn>``, ``${X}`` inside strings as ``<X>``, ``Fn::ImportValue`` as its name, anything
        else as compact JSON), so acknowledgements match cdk-nag's ids exactly.
    bare:
        Show a value that is a single ``Ref`` or ``Fn::GetAtt`` without brackets (``Key.Arn``), as
        a table cell naming a resource does. Style ``"sub"`` only. Default: False.
    """
    if style == "nag":
        return _nag(value)
    if bare and isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key in ("Ref", "Fn::GetAtt"):
            return _reference(key, arg)
    return _sub(value)


def _sub(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_intrinsic(value):
        ((key, arg),) = value.items()
        return _function(key, arg)
    return json.dumps(_textified(value), separators=(",", ":"))


def _function(key: str, arg: Any) -> str:
    if key in ("Ref", "Fn::GetAtt"):
        return f"${{{_reference(key, arg)}}}"
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        separator, parts = arg
        return _sub(separator).join(_sub(part) for part in parts)
    if key == "Fn::Sub":
        if isinstance(arg, str):
            return arg
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            template, variables = arg
            return _SUB_PLACEHOLDER.sub(
                lambda m: _sub(variables[m[1]]) if m[1] in variables else m[0],
                _sub(template),
            )
    if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        index, items = arg
        if str(index).isdigit() and int(index) < len(items):
            return _sub(items[int(index)])
    if key == "Fn::GetAZs" and arg in ("", {"Ref": "AWS::Region"}):
        return "${Fn::GetAZs}"
    args = arg if isinstance(arg, list) else [arg]
    return f"${{{key}({', '.join(_sub(a) for a in args)})}}"


def _reference(key: str, arg: Any) -> str:
    if key == "Fn::GetAtt" and isinstance(arg, list):
        return ".".join(_sub(part) for part in arg)
    return _sub(arg)


def _textified(value: Any) -> Any:
    """The value with every intrinsic function inside it replaced by its text."""
    if _is_intrinsic(value):
        return _sub(value)
    if isinstance(value, Mapping):
        return {key: _textified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_textified(item) for item in value]
    return value


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


def _nag(value: Any) -> str:
    """cdk-nag's flattenCfnReference (src/utils/flatten-cfn-reference.ts)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, Mapping):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(_nag(p) for p in parts)
        if "Fn::Sub" in value:
            return _nag(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{_nag(resource)}.{_nag(attribute)}>"
        if "Fn::ImportValue" in value:
            return _nag(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{_nag(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))
