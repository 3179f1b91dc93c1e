"""One acknowledgement, two forms: cdk-nag 3's (``Validations.acknowledge``) and cdk-nag 2's (the
resource's ``cdk_nag`` Metadata, as ``NagSuppressions`` writes it). No cdk-nag is needed here: the
forms are what cdk-nag 2.38.2's ``NagSuppressionHelper`` and aws-cdk-lib's ``Validations`` write and read
(``tests/test_cdk_nag.py`` runs both majors on them)."""

from __future__ import annotations

import base64
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

from constructs_sm.core._nag import NAG2_METADATA, acknowledge, acknowledge_all, can_acknowledge, nag2_suppression
from tests.conftest import new_stack

REASON = "actions without resource-level permissions (Service Authorization Reference)"


@pytest.mark.parametrize(
    ("rule_id", "expected"),
    [
        (
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::b/p/*]",
            {"id": "AwsSolutions-IAM5", "reason": REASON, "applies_to": ["Resource::arn:aws:s3:::b/p/*"]},
        ),
        (
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:*]",
            {"id": "AwsSolutions-IAM5", "reason": REASON, "applies_to": ["Resource::arn:<AWS::Partition>:logs:*"]},
        ),
        (
            "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts",
            {"id": "NIST.800.53.R5-EC2RestrictedCommonPorts", "reason": REASON},
        ),
        ("AwsSolutions-SQS3", {"id": "AwsSolutions-SQS3", "reason": REASON}),
    ],
)
def test_a_rule_id_becomes_the_suppression_cdk_nag_2_reads(rule_id: str, expected: dict[str, Any]) -> None:
    """cdk-nag 2 compares ``id`` with its rule id (no finding in it) and each ``applies_to`` string
    with the finding id exactly."""
    assert nag2_suppression(rule_id, REASON) == expected


def test_a_reason_beyond_latin_1_is_base64_encoded_as_cdk_nag_2_does() -> None:
    reason = "SageMaker’s log streams — named per job"
    entry = nag2_suppression("AwsSolutions::AwsSolutions-IAM5[Resource::*]", reason)
    assert entry["is_reason_encoded"] is True
    assert base64.b64decode(entry["reason"]).decode() == reason
    assert "is_reason_encoded" not in nag2_suppression("AwsSolutions-SQS3", "plain latin-1 reason: é")


def test_cdk_nag_2_refuses_a_reason_under_10_characters_so_the_constructs_do_too() -> None:
    with pytest.raises(ValueError, match="cdk-nag 2"):
        nag2_suppression("AwsSolutions-SQS3", "too short")


def _forms(resource: cdk.CfnResource) -> tuple[dict[str, str], list[dict[str, Any]]]:
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    acknowledged = {k: v for m in resource.node.metadata if m.type == key for k, v in m.data.items()}
    return acknowledged, resource.get_metadata(NAG2_METADATA)["rules_to_suppress"]


@pytest.mark.skipif(not can_acknowledge(), reason="Validations.acknowledge needs aws-cdk-lib>=2.252.0")
def test_acknowledgements_land_in_both_forms_and_add_to_what_the_resource_holds() -> None:
    stack = new_stack()
    queue = sqs.CfnQueue(stack, "Queue")
    queue.add_metadata(
        NAG2_METADATA, {"rules_to_suppress": [{"id": "AwsSolutions-SQS4", "reason": "a user's own one"}]}
    )
    acknowledge(queue, "AwsSolutions::AwsSolutions-SQS3", REASON)
    acknowledge_all(queue, {"AwsSolutions::AwsSolutions-SQS3": REASON, "AwsSolutions::AwsSolutions-SQS2": REASON})
    acknowledged, suppressions = _forms(queue)
    assert acknowledged == {"AwsSolutions::AwsSolutions-SQS3": REASON, "AwsSolutions::AwsSolutions-SQS2": REASON}
    assert suppressions == [
        {"id": "AwsSolutions-SQS4", "reason": "a user's own one"},
        {"id": "AwsSolutions-SQS3", "reason": REASON},
        {"id": "AwsSolutions-SQS2", "reason": REASON},
    ]
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert template["Resources"]["Queue"]["Metadata"][NAG2_METADATA]["rules_to_suppress"] == suppressions


def test_an_acknowledgement_goes_on_the_resource_cdk_nag_2_checks() -> None:
    """cdk-nag 2 reads the Metadata of the CfnResource it checks only: an L2 construct's goes on its
    default child; a construct without one is refused."""
    stack = new_stack()
    queue = sqs.Queue(stack, "Queue")
    acknowledge(queue, "AwsSolutions::AwsSolutions-SQS3", REASON)
    resource = queue.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    assert resource.get_metadata(NAG2_METADATA) == {
        "rules_to_suppress": [{"id": "AwsSolutions-SQS3", "reason": REASON}]
    }
    role = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/r")
    with pytest.raises(TypeError, match="CfnResource"):
        acknowledge(role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]", REASON)
