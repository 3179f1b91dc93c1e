"""Secure by default, and proven so, on every stack app.py synthesizes (issue 5).

cdk-nag (AwsSolutions, NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1) runs as four validation
plugins on one synthesis of the app, next to a control stack that each pack must flag; parliament
lints every IAM identity policy; the ``"Resource": "*"`` statements are counted; keys, log groups
and buckets are checked for their retention and encryption.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from parliament import analyze_policy_string

import app as example_app
from tests import nag
from tests.conftest import ENV, _cdk_json_context
from tests.template_helpers import policies, resources

# Every stack app.py builds must have its expectations below; one that is not built (yet) is skipped.
STACKS = ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning", "SegmentTuning"]
PACKS = ["AwsSolutions", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]

# A stack of the same synthesis, not app.py's: a log group with no key and no retention, a key without
# rotation (the example stacks have both kinds of resource, compliant). Each pack must flag it, in its
# own validate_scope and in CDK's report of the synthesis: the pack ran there, and a 0 elsewhere means
# something. The rules each pack must report on it:
CONTROL = "NagControl"
CONTROL_FINDINGS = {
    "AwsSolutions": {("NoRotation/Resource", "AwsSolutions-KMS5")},
    "NIST.800.53.R5": {
        ("Plain", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"),
        ("Plain", "NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod"),
        ("NoRotation/Resource", "NIST.800.53.R5-KMSBackingKeyRotationEnabled"),
    },
    "HIPAA.Security": {
        ("Plain", "HIPAA.Security-CloudWatchLogGroupEncrypted"),
        ("Plain", "HIPAA.Security-CloudWatchLogGroupRetentionPeriod"),
    },
    "PCI.DSS.321": {
        ("Plain", "PCI.DSS.321-CloudWatchLogGroupEncrypted"),
        ("Plain", "PCI.DSS.321-CloudWatchLogGroupRetentionPeriod"),
        ("NoRotation/Resource", "PCI.DSS.321-KMSBackingKeyRotationEnabled"),
    },
}


@pytest.fixture(scope="session")
def nag_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One synthesis of app.py and the control stack with the four cdk-nag packs as validation plugins.

    ``report`` is CDK's validation report (it lists a plugin once it has a finding, acknowledged or
    not: the control stack gives each one); ``scopes`` holds each pack's own findings on each stack,
    as (stack-relative path, rule) (``validate_scope``, which does not set acknowledged ones aside).
    """
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_logs as logs

    if not nag.NAG:
        pytest.skip(nag.NO_NAG)
    outdir = tmp_path_factory.mktemp("cdk.out.nag")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    stacks = example_app.build_app(app, ENV)
    control = cdk.Stack(app, CONTROL, env=ENV)
    logs.CfnLogGroup(control, "Plain")
    kms.Key(control, "NoRotation", removal_policy=cdk.RemovalPolicy.RETAIN)
    packs = [pack(app) for pack in nag.PACKS]
    cdk.Validations.of(app).add_plugins(*packs)
    try:
        app.synth()
    except RuntimeError as error:  # ValidationFailed: the control stack's findings; the report says what
        if "ValidationFailed" not in str(error):
            raise
    # One walk of the whole tree per pack (as the plugin does), its findings filed by stack.
    scopes: dict[tuple[str, str], set[tuple[str, str]]] = {
        (pack.name, stack.node.id): set() for pack in packs for stack in [*stacks, control]
    }
    for pack in packs:
        for violation in pack.validate_scope(app).violations:
            for resource in violation.violating_resources:
                stack_name, _, path = str(resource.construct_path).partition("/")
                scopes[(pack.name, stack_name)].add((path, violation.rule_name))
    report = json.loads((Path(outdir) / "validation-report.json").read_text())
    return {"report": report, "scopes": scopes, "stacks": [stack.stack_name for stack in stacks]}


def _unacknowledged(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(pack, stack, stack-relative path, rule) of every finding CDK's report did not set aside."""
    return {
        (p["pluginName"], *c["constructPath"].partition("/")[::2], v["ruleName"])
        for p in report["pluginReports"]
        for v in p["violations"]
        for c in v["violatingConstructs"]
    }


def _require(built: Any, stack: str) -> None:
    if stack not in built:
        pytest.skip(f"app.py builds no {stack} stack")


def test_cdk_nag_finds_no_unacknowledged_error_or_warning(nag_report: dict[str, Any]) -> None:
    """Every error or warning of the synthesis is the control stack's (a finding or a failed rule alike)."""
    unacknowledged = _unacknowledged(nag_report["report"])
    assert {f for f in unacknowledged if f[1] != CONTROL} == set()


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("stack", STACKS)
def test_each_pack_passes_on_each_stack(nag_report: dict[str, Any], pack: str, stack: str) -> None:
    """0 unacknowledged findings of ``pack`` on ``stack``: none in CDK's report, and each of the pack's
    own findings (``validate_scope`` lists acknowledged ones too) acknowledged on that very resource."""
    _require(nag_report["stacks"], stack)
    assert {f for f in _unacknowledged(nag_report["report"]) if f[:2] == (pack, stack)} == set()
    assert nag_report["scopes"][(pack, stack)] <= _acknowledgements(nag_report["report"])[stack]


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_ran_in_the_synthesis_and_flags_the_control_stack(nag_report: dict[str, Any], pack: str) -> None:
    """The pack was a plugin of this synthesis (CDK's report has its findings on the control stack) and
    looks at log groups and keys, as the example stacks have (its own run finds them too)."""
    reported = {
        (path, rule) for p, stack, path, rule in _unacknowledged(nag_report["report"]) if (p, stack) == (pack, CONTROL)
    }
    assert CONTROL_FINDINGS[pack] <= reported
    assert CONTROL_FINDINGS[pack] <= nag_report["scopes"][(pack, CONTROL)]
    assert all(rule.startswith(f"{pack}-") for _, rule in nag_report["scopes"][(pack, CONTROL)])


def test_cdk_nag_checked_every_stack(nag_report: dict[str, Any]) -> None:
    built = nag_report["stacks"]
    assert set(built) <= set(STACKS), "a new stack needs its expected acknowledgements and wildcards here"
    assert set(nag_report["scopes"]) == {(pack, stack) for pack in PACKS for stack in [*built, CONTROL]}
    paths = {
        c["constructPath"].split("/")[0]
        for p in nag_report["report"]["pluginReports"]
        for v in p.get("suppressedViolations", [])
        for c in v["violatingConstructs"]
    }
    assert paths == set(built)


# Every acknowledgement the constructs and the example app make: (stack-relative resource path, rule id).
EXPECTED_ACKNOWLEDGEMENTS = {
    "MinimalTuning": {
        ("XgboostTuning/ExecutionRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "XgboostTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:*]",
        ),
        (
            "XgboostTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/train/*]",
        ),
        (
            "XgboostTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/validation/*]",
        ),
        (
            "XgboostTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/models/*]",
        ),
        ("XgboostTuning/StateMachineRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "XgboostTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/xgboosttuning-*]",
        ),
        (
            "XgboostTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/xgboosttuning-*]",
        ),
    },
    "HardenedTuning": {
        ("HardenedTuningAlerts/DeadLetterQueue/Resource", "AwsSolutions-SQS3"),
        ("HardenedTuning/ExecutionRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:*]",
        ),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/train/*]",
        ),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/validation/*]",
        ),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/models/*]",
        ),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:123456789012:network-interface/*]",
        ),
        (
            "HardenedTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:123456789012:security-group/*]",
        ),
        ("HardenedTuning/StateMachineRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "HardenedTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:model/hardened-xgb-*]",
        ),
        (
            "HardenedTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:model-package/hardenedtuning-b0eed0cc/*]",
        ),
        (
            "HardenedTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/hardened-xgb-*]",
        ),
        (
            "HardenedTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/hardened-xgb-*]",
        ),
    },
    "SpotTraining": {
        ("SpotTraining/ExecutionRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "SpotTraining/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:*]",
        ),
        (
            "SpotTraining/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/train/*]",
        ),
        (
            "SpotTraining/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/validation/*]",
        ),
        (
            "SpotTraining/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/checkpoints/xgboost/*]",
        ),
        (
            "SpotTraining/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/models/spot/*]",
        ),
        ("SpotTraining/StateMachineRole/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "SpotTraining/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/spot-xgb-*]",
        ),
    },
    "MultiAlgorithmTuning": {
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::*]",
        ),
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:*]",
        ),
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/checkpoints/tuning/*]",
        ),
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/train/*]",
        ),
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/validation/*]",
        ),
        (
            "MultiAlgorithmTuning/ExecutionRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/models/*]",
        ),
        (
            "MultiAlgorithmTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::*]",
        ),
        (
            "MultiAlgorithmTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/multi-algo-*]",
        ),
        (
            "MultiAlgorithmTuning/StateMachineRole/Policy/Resource",
            "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/multi-algo-*]",
        ),
    },
}

# The fan-out (constructs_sm/workflows/fan_out.py): its results bucket's access logging and replication
# (a bucket of the user's can have both), and its role's child executions, map runs, item lists and results.
_FAN_OUT = "SegmentTuning-EverySegment-BE8654BD"
EXPECTED_ACKNOWLEDGEMENTS["SegmentTuning"] = {
    ('EverySegment/Results/Resource', 'AwsSolutions-S1'),
    ('EverySegment/Results/Resource', 'HIPAA.Security-S3BucketLoggingEnabled'),
    ('EverySegment/Results/Resource', 'HIPAA.Security-S3BucketReplicationEnabled'),
    ('EverySegment/Results/Resource', 'NIST.800.53.R5-S3BucketLoggingEnabled'),
    ('EverySegment/Results/Resource', 'NIST.800.53.R5-S3BucketReplicationEnabled'),
    ('EverySegment/Results/Resource', 'PCI.DSS.321-S3BucketLoggingEnabled'),
    ('EverySegment/Results/Resource', 'PCI.DSS.321-S3BucketReplicationEnabled'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::<EverySegmentResults63573929>/results/*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/segments/*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/segment-xgb-*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/segment-xgb-*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:states:us-east-1:123456789012:execution:' + _FAN_OUT + '/*:*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:states:us-east-1:123456789012:execution:' + _FAN_OUT + ':*]'),
    ('EverySegment/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:states:us-east-1:123456789012:mapRun:' + _FAN_OUT + '/*]'),
    ('SegmentTuning/ExecutionRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::*]'),
    ('SegmentTuning/ExecutionRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:*]'),
    ('SegmentTuning/ExecutionRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/train/*]'),
    ('SegmentTuning/ExecutionRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/data/validation/*]'),
    ('SegmentTuning/ExecutionRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::example-ml-data/models/*]'),
    ('SegmentTuning/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::*]'),
    ('SegmentTuning/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/segment-xgb-*]'),
    ('SegmentTuning/StateMachineRole/Policy/Resource', 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:training-job/segment-xgb-*]'),
}

# The stack's job reaper (constructs_sm/workflows/_reaper.py): logging and X-Ray take no resource; it may stop
# the jobs of each workflow's prefix.
_REAPER_STOPS = {
    "MinimalTuning": "hyper-parameter-tuning-job/xgboosttuning-*",
    "HardenedTuning": "hyper-parameter-tuning-job/hardened-xgb-*",
    "MultiAlgorithmTuning": "hyper-parameter-tuning-job/multi-algo-*",
    "SpotTraining": "training-job/spot-xgb-*",
    "SegmentTuning": "hyper-parameter-tuning-job/segment-xgb-*",
}
for _stack, _jobs in _REAPER_STOPS.items():
    EXPECTED_ACKNOWLEDGEMENTS[_stack] |= {
        ("ConstructsSmJobReaper/Role/Policy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        (
            "ConstructsSmJobReaper/StopPolicy1",
            f"AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:123456789012:{_jobs}]",
        ),
    }


def _acknowledgements(report: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for plugin in report["pluginReports"]:
        for violation in plugin.get("suppressedViolations", []):
            for construct in violation["violatingConstructs"]:
                stack, _, path = construct["constructPath"].partition("/")
                assert violation["acknowledgedAt"] == construct["constructPath"], "acknowledged on the resource itself"
                found[stack].add((path, violation["ruleName"]))
    return found


def test_acknowledgements_are_exactly_the_documented_ones(nag_report: dict[str, Any]) -> None:
    expected = {stack: acks for stack, acks in EXPECTED_ACKNOWLEDGEMENTS.items() if stack in nag_report["stacks"]}
    assert dict(_acknowledgements(nag_report["report"])) == expected


def test_every_acknowledgement_gives_its_reason_and_the_doc_it_follows(nag_report: dict[str, Any]) -> None:
    plugins = nag_report["report"]["pluginReports"]
    reasons = [v["reason"] for p in plugins for v in p.get("suppressedViolations", [])]
    assert reasons
    for reason in reasons:
        assert re.search(r"(Developer Guide|User Guide|Service Authorization Reference)", reason), reason


# --- parliament: every identity policy, with intrinsic functions replaced by sample values ---

# parliament issues that mean a policy is wrong (NOT_IDEAL ones such as RESOURCE_STAR are judged by the
# documented wildcard test below).
FAILING_ISSUES = {
    "EXCEPTION",
    "MALFORMED_JSON",
    "MALFORMED",
    "DUPLICATE_SID",
    "INVALID_SID",
    "UNKNOWN_ACTION",
    "UNKNOWN_PREFIX",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "UNKNOWN_OPERATOR",
    "MISMATCHED_TYPE",
    "MISMATCHED_TYPE_OPERATION_TO_NULL",
    "INVALID_ARN",
    "NO_VERSION",
    "INVALID_VERSION",
    "RESOURCE_MISMATCH",
    "RESOURCE_EFFECTIVELY_STAR",
}

_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
}


def _sample(template: dict[str, Any], logical_id: str, attribute: str | None) -> str:
    """A deployed-looking value for Ref/GetAtt of ``logical_id``."""
    if logical_id in _PSEUDO:
        return _PSEUDO[logical_id]
    kind = template["Resources"][logical_id]["Type"]
    name = logical_id.lower()
    samples = {
        ("AWS::KMS::Key", "Arn"): f"arn:aws:kms:us-east-1:123456789012:key/{name}",
        ("AWS::IAM::Role", "Arn"): f"arn:aws:iam::123456789012:role/{name}",
        ("AWS::IAM::Role", None): name,
        ("AWS::Logs::LogGroup", "Arn"): f"arn:aws:logs:us-east-1:123456789012:log-group:{name}:*",
        ("AWS::Logs::LogGroup", None): name,
        ("AWS::EC2::SecurityGroup", "GroupId"): "sg-0123456789abcdef0",
        ("AWS::EC2::Subnet", None): "subnet-0123456789abcdef0",
        ("AWS::EC2::VPC", None): "vpc-0123456789abcdef0",
        ("AWS::EC2::VPC", "DefaultSecurityGroup"): "sg-0fedcba9876543210",
        ("AWS::StepFunctions::StateMachine", None): f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}",
        ("AWS::S3::Bucket", None): name,
    }
    key = (kind, attribute)
    assert key in samples, f"no sample for {key}"
    return samples[key]


def resolve(value: Any, template: dict[str, Any]) -> Any:
    """The policy as IAM would receive it: Fn::Join, Fn::Sub, Ref and Fn::GetAtt replaced by samples."""
    if isinstance(value, list):
        return [resolve(v, template) for v in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p, template)) for p in parts)
    if "Fn::Sub" in value:
        return re.sub(r"\$\{([\w:]+)\}", lambda m: _sample(template, m.group(1), None), value["Fn::Sub"])
    if "Ref" in value:
        return _sample(template, value["Ref"], None)
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return _sample(template, logical_id, attribute)
    return {k: resolve(v, template) for k, v in value.items()}


def identity_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every identity policy: AWS::IAM::Policy, AWS::IAM::ManagedPolicy and roles' inline Policies."""
    found = {logical_id: p["Properties"]["PolicyDocument"] for logical_id, p in policies(template).items()}
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            found[f"{logical_id}.{inline['PolicyName']}"] = inline["PolicyDocument"]
    return {k: resolve(v, template) for k, v in found.items()}


# The Service Authorization Reference lists two resource types for states:DescribeExecution, "execution"
# and "express" (an Express workflow's execution); a statement names the one its executions are.
# parliament asks for both: a fan-out's Standard child executions are "execution" ARNs only.
_EXPRESS_ONLY = [{"action": "states:DescribeExecution", "required_format": "arn:*:states:*:*:express:*:*:*"}]


@pytest.mark.parametrize("stack", STACKS)
def test_every_identity_policy_passes_parliament(example_templates: dict[str, Any], stack: str) -> None:
    _require(example_templates, stack)
    checked = identity_policies(example_templates[stack])
    assert checked
    problems = {
        name: [
            f"{f.issue}: {f.detail}"
            for f in analyze_policy_string(json.dumps(doc)).findings
            if f.issue in FAILING_ISSUES and f.detail != _EXPRESS_ONLY
        ]
        for name, doc in checked.items()
    }
    assert {name: found for name, found in problems.items() if found} == {}


def test_parliament_sees_an_unknown_action_and_a_malformed_arn() -> None:
    """Guards the filter: the issue types that matter are the ones parliament reports."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sagemaker:CreateHyperParameterTuningJobs", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:example-bucket"},
        ],
    }
    issues = {f.issue for f in analyze_policy_string(json.dumps(policy)).findings}
    assert {"UNKNOWN_ACTION", "INVALID_ARN"} <= issues


# --- "Resource": "*": the exact, documented set per stack ---

_LOGGING = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
_TRACING = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments")
_EC2_DESCRIBE = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
# aws-cdk-lib merges statements with the same resource and conditions (@aws-cdk/aws-iam:minimizePolicies).
EXPECTED_WILDCARD_STATEMENTS = {
    "MinimalTuning": [("cloudwatch:PutMetricData",), ("ecr:GetAuthorizationToken",), _LOGGING + _TRACING],
    "HardenedTuning": [
        ("cloudwatch:PutMetricData",),
        _EC2_DESCRIBE + ("ecr:GetAuthorizationToken",),
        _LOGGING + _TRACING,
    ],
    "SpotTraining": [("cloudwatch:PutMetricData",), ("ecr:GetAuthorizationToken",), _LOGGING + _TRACING],
    "MultiAlgorithmTuning": [("cloudwatch:PutMetricData",), ("ecr:GetAuthorizationToken",), _LOGGING + _TRACING],
    # The workflow's state machine role and its fan-out's: logging and tracing each.
    "SegmentTuning": [
        ("cloudwatch:PutMetricData",),
        ("ecr:GetAuthorizationToken",),
        _LOGGING + _TRACING,
        _LOGGING + _TRACING,
    ],
}


def wildcard_statements(template: dict[str, Any]) -> list[tuple[str, ...]]:
    """The sorted action lists of the Allow statements with ``"Resource": "*"``, in every identity policy."""
    found = []
    for document in identity_policies(template).values():
        for statement in document["Statement"]:
            resource = statement.get("Resource")
            if statement["Effect"] == "Allow" and "*" in ([resource] if isinstance(resource, str) else resource):
                action = statement["Action"]
                found.append(tuple(sorted([action] if isinstance(action, str) else action)))
    return sorted(found)


@pytest.mark.parametrize("stack", STACKS)
def test_resource_star_statements_are_exactly_the_documented_ones(
    example_templates: dict[str, Any], stack: str
) -> None:
    _require(example_templates, stack)
    assert wildcard_statements(example_templates[stack]) == EXPECTED_WILDCARD_STATEMENTS[stack]


def test_resource_star_is_acknowledged_as_actions_without_resource_level_permissions(
    nag_report: dict[str, Any],
) -> None:
    """The "Resource": "*" acknowledgements carry the reason their statement was written with."""
    reasons = {
        c["constructPath"]: v["reason"]
        for p in nag_report["report"]["pluginReports"]
        for v in p.get("suppressedViolations", [])
        if v["ruleName"] == "AwsSolutions-IAM5[Resource::*]"
        for c in v["violatingConstructs"]
    }
    assert reasons
    assert {path: "no resource-level permissions" in reason for path, reason in reasons.items()} == dict.fromkeys(
        reasons, True
    )


@pytest.mark.parametrize("stack", STACKS)
def test_no_inline_identity_policies_from_the_constructs(example_templates: dict[str, Any], stack: str) -> None:
    """NIST 800-53 IAMNoInlinePolicy: the constructs' roles use customer managed policies."""
    _require(example_templates, stack)
    assert resources(example_templates[stack], "AWS::IAM::Policy") == {}


# --- keys, log groups, buckets ---


@pytest.mark.parametrize("stack", STACKS)
def test_keys_rotate_and_are_retained(example_templates: dict[str, Any], stack: str) -> None:
    _require(example_templates, stack)
    keys = resources(example_templates[stack], "AWS::KMS::Key")
    assert keys
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("stack", STACKS)
def test_log_groups_have_retention_encryption_and_are_retained(example_templates: dict[str, Any], stack: str) -> None:
    _require(example_templates, stack)
    groups = resources(example_templates[stack], "AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] > 0
        assert "Fn::GetAtt" in group["Properties"]["KmsKeyId"]
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("stack", STACKS)
def test_log_group_keys_let_cloudwatch_logs_use_them(example_templates: dict[str, Any], stack: str) -> None:
    _require(example_templates, stack)
    template = example_templates[stack]
    for group in resources(template, "AWS::Logs::LogGroup").values():
        key = template["Resources"][group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]]
        services = [s.get("Principal", {}).get("Service") for s in key["Properties"]["KeyPolicy"]["Statement"]]
        assert "logs.us-east-1.amazonaws.com" in services


def assert_bucket_is_secure(template: dict[str, Any], logical_id: str, bucket: dict[str, Any]) -> None:
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" in rules[0]["ServerSideEncryptionByDefault"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    bucket_policies = [
        p
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    denies = [
        s
        for p in bucket_policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denies, "SSL enforced"


@pytest.mark.parametrize("stack", STACKS)
def test_buckets_the_stacks_create_are_private_versioned_encrypted_and_retained(
    example_templates: dict[str, Any], stack: str
) -> None:
    _require(example_templates, stack)
    template = example_templates[stack]
    buckets = resources(template, "AWS::S3::Bucket")
    assert buckets == {} or all(assert_bucket_is_secure(template, k, b) is None for k, b in buckets.items())


def test_the_bucket_check_rejects_a_default_bucket() -> None:
    """Guards the bucket check, since the example stacks create no bucket (they import their data bucket)."""
    from aws_cdk import aws_s3 as s3
    from aws_cdk.assertions import Template

    from tests.conftest import new_stack

    stack = new_stack()
    s3.Bucket(stack, "Plain")
    template = Template.from_stack(stack).to_json()
    ((logical_id, bucket),) = resources(template, "AWS::S3::Bucket").items()
    with pytest.raises(KeyError):
        assert_bucket_is_secure(template, logical_id, bucket)


def _acknowledged(construct: Any) -> dict[str, str]:
    """Rule id (without the pack) -> reason, of the acknowledgements on ``construct``."""
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    return {k.split("::", 1)[-1]: v for m in construct.node.metadata if m.type == key for k, v in m.data.items()}


@nag.needs_acknowledge
def test_a_wildcard_without_its_reason_is_not_acknowledged() -> None:
    """Only a statement that carries its wildcard reason (``statement(..., wildcard=)``, or a grant in
    a ``granting(..., wildcard=)`` block) is acknowledged: a "*" without one is left to cdk-nag, even for
    actions AWS documents without resource-level permissions."""
    from aws_cdk import aws_iam as iam

    from constructs_sm.iam._policy import ManagedPolicyRole, add_statements, granting, statement
    from tests.conftest import new_stack

    role = ManagedPolicyRole(new_stack(), "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:DeleteObject"], resources=["arn:aws:s3:::b/p/*"]))
    role.add_to_principal_policy(iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"]))
    add_statements(
        role,
        [
            statement(
                ["sagemaker:CreateTrainingJob"],
                ["arn:aws:sagemaker:us-east-1:123456789012:training-job/*"],
                reason="a reason, but no wildcard reason",
            )
        ],
    )
    assert _acknowledged(role.managed_policies[0].node.default_child) == {}
    # The same wildcards with their reasons, on another role.
    other = ManagedPolicyRole(new_stack(), "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    with granting(other, "a grant's reason", wildcard="no resource-level permissions (a documented source)"):
        other.add_to_principal_policy(iam.PolicyStatement(actions=["ec2:DescribeVpcs"], resources=["*"]))
    add_statements(
        other,
        [
            statement(
                ["sagemaker:DescribeTrainingJob"], ["arn:aws:sagemaker:::training-job/p-*"], reason="r", wildcard="w"
            )
        ],
    )
    assert _acknowledged(other.managed_policies[0].node.default_child) == {
        "AwsSolutions-IAM5[Resource::*]": "ec2:DescribeVpcs: no resource-level permissions (a documented source)",
        "AwsSolutions-IAM5[Resource::arn:aws:sagemaker:::training-job/p-*]": "sagemaker:DescribeTrainingJob: w",
    }


def test_a_statement_needs_its_reason() -> None:
    from constructs_sm.iam._policy import statement

    with pytest.raises(ValueError, match="reason"):
        statement(["s3:GetObject"], ["arn:aws:s3:::b/*"], reason=" ")


def test_a_large_role_policy_is_split_into_managed_policies_under_the_size_limit() -> None:
    from aws_cdk import aws_iam as iam

    from constructs_sm.iam._policy import ManagedPolicyRole
    from tests.conftest import new_stack

    stack = new_stack()
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    for index in range(60):
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[f"arn:aws:s3:::bucket-{index:03d}/some/long/prefix/"]
            )
        )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    documents = [p["Properties"]["PolicyDocument"] for p in resources(template, "AWS::IAM::ManagedPolicy").values()]
    assert len(documents) > 1
    assert all(len(json.dumps(d, separators=(",", ":"))) < 6144 for d in documents)
    assert sum(len(d["Statement"]) for d in documents) >= 1
