"""Readable text of CloudFormation values: the one renderer the tools (and cdk-nag ids) use."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_sm.core._intrinsics import to_text

ARN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]}


@pytest.mark.parametrize(
    ("value", "sub", "nag"),
    [
        ("plain", "plain", "plain"),
        (ARN, "arn:${AWS::Partition}:s3:::${Bucket}/*", "arn:<AWS::Partition>:s3:::<Bucket>/*"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "${Role.Arn}", "<Role.Arn>"),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:states:*"},
            "arn:${AWS::Partition}:states:*",
            "arn:<AWS::Partition>:states:*",
        ),
        ({"Fn::ImportValue": "shared-bucket"}, "${Fn::ImportValue(shared-bucket)}", "shared-bucket"),
        (
            {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            '{"StringEquals":{"aws:SourceAccount":"${AWS::AccountId}"}}',
            '{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}}',
        ),
    ],
)
def test_sub_and_nag_styles(value: Any, sub: str, nag: str) -> None:
    assert to_text(value) == sub
    assert to_text(value, style="nag") == nag


def test_sub_with_variables_select_and_getazs() -> None:
    sub = {"Fn::Sub": ["arn:${P}:kms:${AWS::Region}:*:key/${Key}", {"P": {"Ref": "AWS::Partition"}, "Key": "k1"}]}
    assert to_text(sub) == "arn:${AWS::Partition}:kms:${AWS::Region}:*:key/k1"
    assert to_text({"Fn::Select": [1, ["a", {"Ref": "B"}]]}) == "${B}"
    assert to_text({"Fn::Select": [0, {"Fn::GetAZs": ""}]}) == "${Fn::Select(0, ${Fn::GetAZs})}"


def test_bare_names_a_single_reference_without_brackets() -> None:
    assert to_text({"Fn::GetAtt": ["Key", "Arn"]}, bare=True) == "Key.Arn"
    assert to_text({"Ref": "Bucket"}, bare=True) == "Bucket"
    assert to_text(ARN, bare=True) == "arn:${AWS::Partition}:s3:::${Bucket}/*"
