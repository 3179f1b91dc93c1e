"""cdk-nag 2 and cdk-nag 3, each attached the way it runs, with the four packs (AwsSolutions, NIST 800-53
rev 5, HIPAA Security, PCI DSS 3.2.1), on app.py's stacks and on a stack whose tuning workflow is given an
imported mutable role and an imported key.

cdk-nag 2's packs are Aspects (``Aspects.of(app).add(AwsSolutionsChecks())``) that read suppressions from
each resource's ``cdk_nag`` Metadata; cdk-nag 3's are validation plugins
(``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``) whose findings CDK's validation report sets
aside when they are acknowledged (``Validations.of(resource).acknowledge``). The constructs write every
acknowledgement in both forms (``core._nag``). The other way round fails, each in its own way
(:func:`test_each_pack_attached_the_other_way_fails_as_the_readme_says`).

The dev lock holds cdk-nag 3; ``make test-nag2`` runs this file with cdk-nag 2 (``.venv-nag2``, in CI).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template

import app as example_app
import constructs_sm as sm
from constructs_sm.core._nag import NAG2_METADATA
from tests.conftest import ENV, _cdk_json_context
from tests.template_helpers import resources

# Not installed at the aws-cdk-lib floor (`make test-floor`, constraints-floor.txt): cdk-nag 3 needs
# aws-cdk-lib 2.257.0, cdk-nag 2 constructs 10.5.1 (the floor's constructs is 10.0.0).
cdk_nag = pytest.importorskip("cdk_nag", reason="cdk-nag is not installed (make test-floor: aws-cdk-lib 2.200.0)")

MAJOR = int(version("cdk-nag").split(".")[0])
PACKS: dict[str, Callable[..., Any]] = {
    "AwsSolutions": cdk_nag.AwsSolutionsChecks,
    "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
    "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
    "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
}
# How each major attaches its packs (README, "Check with cdk-nag"); the other way fails.
ATTACH = {2: "aspects", 3: "validations"}
MODES = ["aspects", "validations"]

IMPORTED = "ImportedRoleAndKey"
STACKS = ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning", "SegmentTuning", IMPORTED]
ROLE_ARN = "arn:aws:iam::123456789012:role/ml-training"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# A stack of the same synthesis that each pack must flag (a log group with no key, a key without
# rotation): the pack ran, and a 0 elsewhere means something. One rule each pack must report there:
CONTROL = "NagControl"
CONTROL_FINDINGS = {
    "AwsSolutions": ("NoRotation/Resource", "AwsSolutions-KMS5"),
    "NIST.800.53.R5": ("Plain", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"),
    "HIPAA.Security": ("Plain", "HIPAA.Security-CloudWatchLogGroupEncrypted"),
    "PCI.DSS.321": ("Plain", "PCI.DSS.321-CloudWatchLogGroupEncrypted"),
}


class Finding(NamedTuple):
    pack: str
    stack: str
    path: str  # relative to the stack
    rule: str  # "<Pack>-<Rule>" or "<Pack>-<Rule>[<finding>]", as cdk-nag 3 names it
    level: str  # "error", "warning"; for an acknowledged finding: its reason


def imported_role_and_key_stack(app: cdk.App) -> cdk.Stack:
    """A tuning workflow given a role and a key imported by ARN, the role mutable (the constructs give it
    their statements), reading and writing an imported bucket as app.py's stacks do."""
    stack = cdk.Stack(app, IMPORTED, env=ENV)
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    role = iam.Role.from_role_arn(stack, "Role", ROLE_ARN, mutable=True)
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    sm.TuningWorkflow(
        stack,
        "Tuning",
        training_job_definition=example_app.xgboost_definition(bucket),
        role=role,
        encryption_key=key,
        **example_app.xgboost_tuning(bucket),  # type: ignore[arg-type]
    )
    return stack


def build(outdir: Path) -> cdk.App:
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    example_app.build_app(app, ENV)
    imported_role_and_key_stack(app)
    control = cdk.Stack(app, CONTROL, env=ENV)
    logs.CfnLogGroup(control, "Plain")
    kms.Key(control, "NoRotation", removal_policy=cdk.RemovalPolicy.RETAIN)
    return app


def synth(app: cdk.App) -> None:
    try:
        app.synth()
    except RuntimeError as error:  # ValidationFailed: the control stack's findings; read below what they are
        if "ValidationFailed" not in str(error):
            raise


def _split(path: str) -> tuple[str, str]:
    stack, _, relative = path.partition("/")
    return stack, relative


# --- cdk-nag 3: validation plugins; CDK's validation report lists what is acknowledged and what is not ---


def run_validations(app: cdk.App, outdir: Path) -> dict[str, set[Finding]]:
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS.values()))
    synth(app)
    report = json.loads((outdir / "validation-report.json").read_text())
    found: dict[str, set[Finding]] = {"unacknowledged": set(), "acknowledged": set()}
    for plugin in report["pluginReports"]:
        for kind, key in (("unacknowledged", "violations"), ("acknowledged", "suppressedViolations")):
            for violation in plugin.get(key, []):
                for construct in violation["violatingConstructs"]:
                    level = violation["severity"] if kind == "unacknowledged" else violation["reason"]
                    found[kind].add(
                        Finding(plugin["pluginName"], *_split(construct["constructPath"]), violation["ruleName"], level)
                    )
    return found


# --- cdk-nag 2: Aspects that annotate the resources they check; with log_ignores, what they suppressed ---

_NAG2_MESSAGE = re.compile(
    r"(?P<rule>[\w.]+-[\w.]+|CdkNagValidationFailure|CdkNagSuppression)(?:\[(?P<finding>[^\n]*?)\])?: (?P<text>.*)",
    re.S,
)
_NAG2_SUPPRESSED = re.compile(
    r'(?P<rule>\S+) was triggered but suppressed\. Provided reason: "(?P<reason>.*)"\s*$', re.S
)
_LEVELS = {"aws:cdk:error": "error", "aws:cdk:warning": "warning", "aws:cdk:info": "info"}


def run_aspects(app: cdk.App) -> dict[str, set[Finding]]:
    for pack in PACKS.values():
        cdk.Aspects.of(app).add(pack(log_ignores=True, verbose=True, reports=False))
    synth(app)
    found: dict[str, set[Finding]] = {"unacknowledged": set(), "acknowledged": set()}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            level = _LEVELS.get(entry.type)
            match = _NAG2_MESSAGE.match(entry.data) if level and isinstance(entry.data, str) else None
            if match is None:
                continue
            stack, path = _split(construct.node.path)
            rule, finding = match["rule"], match["finding"]
            if rule == "CdkNagSuppression":  # info: a finding (or a rule's failure) set aside
                suppressed = _NAG2_SUPPRESSED.match(match["text"])
                assert suppressed, entry.data
                rule = suppressed["rule"]
                reason = suppressed["reason"].removeprefix(f"[{finding}] ") if finding else suppressed["reason"]
                named = f"{rule}[{finding}]" if finding else rule
                found["acknowledged"].add(Finding(_pack_of(rule), stack, path, named, reason))
            elif level != "info":  # CdkNagValidationFailure[<rule>]: a rule that failed on this resource
                named = f"{rule}[{finding}]" if finding else rule
                found["unacknowledged"].add(
                    Finding(_pack_of(finding if rule == "CdkNagValidationFailure" else rule), stack, path, named, level)
                )
    return found


def _pack_of(rule: str) -> str:
    return rule.split("-", 1)[0]


@pytest.fixture(scope="module")
def nag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One synthesis with the four packs of the installed cdk-nag, attached the way it runs."""
    outdir = tmp_path_factory.mktemp(f"cdk.out.nag{MAJOR}")
    app = build(outdir)
    found = run_aspects(app) if ATTACH[MAJOR] == "aspects" else run_validations(app, outdir)
    return {**found, "app": app, "outdir": outdir}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("mode", MODES)
def test_each_pack_finds_no_unacknowledged_error_or_warning_on_each_stack(
    nag: dict[str, Any], mode: str, pack: str, stack: str
) -> None:
    if mode != ATTACH[MAJOR]:
        pytest.skip(f"cdk-nag {MAJOR} does not run as {mode}: see the test of the other way")
    assert {f for f in nag["unacknowledged"] if (f.pack, f.stack) == (pack, stack)} == set()


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_ran_and_flags_the_control_stack(nag: dict[str, Any], pack: str) -> None:
    flagged = {(f.path, f.rule) for f in nag["unacknowledged"] if (f.pack, f.stack) == (pack, CONTROL)}
    assert CONTROL_FINDINGS[pack] in flagged


def test_each_acknowledgement_sets_aside_its_finding_with_its_reason(nag: dict[str, Any]) -> None:
    """What this cdk-nag set aside is exactly what the constructs acknowledged (none left unused), each
    with the reason written where it was made: cdk-nag 2 read the ``cdk_nag`` Metadata, cdk-nag 3
    CDK's acknowledgements, and both give the same reasons."""
    written = {
        (stack, path, rule, reason)
        for stack, path, acknowledgements in _written(nag["app"])
        for rule, reason in acknowledgements.items()
    }
    assert written
    assert {(f.stack, f.path, f.rule, f.level) for f in nag["acknowledged"]} == written
    assert {f.stack for f in nag["acknowledged"]} == set(STACKS)


def _written(app: cdk.App) -> list[tuple[str, str, dict[str, str]]]:
    """(stack, path, {rule: reason}) of each construct's acknowledgements of the packs' rules, as
    ``Validations.acknowledge`` recorded them (the pack dropped; app.py acknowledges cfn-lint rules too)."""
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found = []
    for construct in app.node.find_all():
        rules = {
            rule.split("::", 1)[1]: reason
            for entry in construct.node.metadata
            if entry.type == key
            for rule, reason in entry.data.items()
            if rule.split("::", 1)[0] in PACKS
        }
        if rules:
            found.append((*_split(construct.node.path), rules))
    return found


def test_every_acknowledgement_is_written_in_both_forms(nag: dict[str, Any]) -> None:
    """Each resource's cdk-nag 2 suppressions (its ``cdk_nag`` Metadata) are its cdk-nag 3
    acknowledgements, one for one, with the same reasons."""
    app = nag["app"]
    both = []
    for stack_name, path, rules in _written(app):
        resource = app.node.find_child(stack_name).node.find_child(path.split("/")[0])
        for part in path.split("/")[1:]:
            resource = resource.node.find_child(part)
        held = resource.get_metadata(NAG2_METADATA)
        suppressions = {
            f"{s['id']}[{s['applies_to'][0]}]" if "applies_to" in s else s["id"]: _reason(s)
            for s in held["rules_to_suppress"]
        }
        assert all(len(s.get("applies_to", [])) <= 1 for s in held["rules_to_suppress"])
        assert suppressions == rules, path
        both.append(path)
    assert len(both) > 20


def _reason(suppression: dict[str, Any]) -> str:
    import base64

    reason: str = suppression["reason"]
    return base64.b64decode(reason).decode() if suppression.get("is_reason_encoded") else reason


# --- the other way round ---


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_attached_the_other_way_fails_as_the_readme_says(pack: str, tmp_path: Path) -> None:
    """cdk-nag 3's packs are no Aspects: jsii's raw "aspectApplication.aspect.visit is not a function"
    at synth. cdk-nag 2's are no validation plugins: CDK's report says "plugin.validate is not a
    function"."""
    app = cdk.App(outdir=str(tmp_path))
    sqs.Queue(cdk.Stack(app, "Stack"), "Queue")
    if MAJOR >= 3:
        cdk.Aspects.of(app).add(PACKS[pack](app))
        with pytest.raises(RuntimeError, match="aspect.visit is not a function"):
            app.synth()
    else:
        cdk.Validations.of(app).add_plugins(PACKS[pack]())
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
        report = json.loads((tmp_path / "validation-report.json").read_text())
        assert "plugin.validate is not a function" in report["pluginReports"][0]["metadata"]["error"]


# --- the imported role: the constructs' statements in customer managed policies, as for their own roles ---


def test_an_imported_mutable_role_gets_customer_managed_policies_not_an_inline_one(nag: dict[str, Any]) -> None:
    """NIST 800-53, HIPAA Security and PCI DSS (IAMNoInlinePolicy) ask for managed policies: the
    constructs attach theirs to the imported role by name, its key statements on the imported key."""
    template = json.loads((nag["outdir"] / f"{IMPORTED}.template.json").read_text())
    assert resources(template, "AWS::IAM::Policy") == {}
    attached = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Roles"] == ["ml-training"]
    ]
    assert len(attached) == 1
    statements = attached[0]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Resource"] == KEY_ARN and "kms:Decrypt" in s["Action"] for s in statements)
    assert attached[0]["Metadata"][NAG2_METADATA]["rules_to_suppress"]


@pytest.mark.parametrize("immutable", ["from_role_arn(mutable=False)", "without_policy_updates()"])
def test_an_immutable_role_gets_no_policy_and_a_warning(immutable: str) -> None:
    app = cdk.App(context=_cdk_json_context())
    stack = cdk.Stack(app, "Test", env=ENV)
    if immutable.startswith("from_role_arn"):
        role: iam.IRole = iam.Role.from_role_arn(stack, "Role", ROLE_ARN, mutable=False)
    else:
        role = iam.Role(
            stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")
        ).without_policy_updates()
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    sm.TrainingWorkflow(stack, "Training", training_job_definition=example_app.xgboost_definition(bucket), role=role)
    template = Template.from_stack(stack).to_json()
    names = ["ml-training"]
    if role.node.default_child is not None:  # the iam.Role behind without_policy_updates()
        names.append({"Ref": stack.get_logical_id(cast(cdk.CfnElement, role.node.default_child))})
    policies = {**resources(template, "AWS::IAM::Policy"), **resources(template, "AWS::IAM::ManagedPolicy")}
    assert [p for p in policies.values() if any(n in p["Properties"].get("Roles", []) for n in names)] == []
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("must already allow"))


def test_a_default_policy_of_yours_has_its_documented_wildcards_acknowledged(tmp_path: Path) -> None:
    """What lands in a role's inline default policy (aws-cdk-lib's grants to an imported role, here an
    ECR repository's; the constructs' statements to an ``iam.Role`` of yours) has its documented
    wildcards acknowledged: the one finding left there is the inline policy itself (README)."""
    from aws_cdk import aws_ecr as ecr

    app = cdk.App(outdir=str(tmp_path), context=_cdk_json_context())
    stack = cdk.Stack(app, "Yours", env=ENV)
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    image = sm.TrainingImage.from_ecr_repository(ecr.Repository(stack, "Repo", image_scan_on_push=True), "v3")
    for name, role in (
        ("Imported", iam.Role.from_role_arn(stack, "Imported", ROLE_ARN, mutable=True)),
        ("Mine", iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))),
    ):
        definition = example_app.xgboost_definition(bucket)
        spec = sm.AlgorithmSpecification(training_image=image, training_input_mode=sm.InputMode.FILE)
        definition = dataclasses.replace(definition, algorithm_specification=spec)
        sm.TrainingWorkflow(stack, f"{name}Training", training_job_definition=definition, role=role)
    found = run_aspects(app) if ATTACH[MAJOR] == "aspects" else run_validations(app, tmp_path)
    inline = {
        (f.path.split("/")[0], f.pack, f.rule)
        for f in found["unacknowledged"]
        if f.stack == "Yours" and (f.path.startswith("Imported/") or f.path.startswith("Mine/"))
    }
    assert inline == {
        (role, pack, f"{pack}-IAMNoInlinePolicy")
        for role in ("Imported", "Mine")
        for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
    }
    acknowledged = {(f.path.split("/")[0], f.rule) for f in found["acknowledged"] if f.stack == "Yours"}
    assert {("Imported", "AwsSolutions-IAM5[Resource::*]"), ("Mine", "AwsSolutions-IAM5[Resource::*]")} <= acknowledged


def test_the_security_groups_member_traffic_is_acknowledged_in_each_pack_that_flags_it(tmp_path: Path) -> None:
    """Two instances in a VPC: the group's self-referencing all-traffic rule SageMaker documents is
    acknowledged for each pack's EC2RestrictedCommonPorts (NIST 800-53, HIPAA, PCI DSS); nothing of the
    workflow is left (the VPC's own findings are the app's)."""
    from aws_cdk import aws_ec2 as ec2

    app = cdk.App(outdir=str(tmp_path), context=_cdk_json_context())
    stack = cdk.Stack(app, "Distributed", env=ENV)
    subnets = [ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)]
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=subnets)
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    resources_ = sm.ResourceConfig(instance_type="ml.m5.xlarge", instance_count=2, volume_size=cdk.Size.gibibytes(30))
    definition = dataclasses.replace(
        example_app.xgboost_definition(bucket, vpc_config=sm.VpcConfig(vpc=vpc)), resource_config=resources_
    )
    sm.TrainingWorkflow(stack, "Training", training_job_definition=definition)
    found = run_aspects(app) if ATTACH[MAJOR] == "aspects" else run_validations(app, tmp_path)
    assert {f for f in found["unacknowledged"] if f.path.startswith("Training/")} == set()
    assert {f.rule for f in found["acknowledged"] if "/SecurityGroup/" in f.path} == {
        f"{pack}-EC2RestrictedCommonPorts" for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
    }
