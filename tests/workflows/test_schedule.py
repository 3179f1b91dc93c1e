"""WorkflowSchedule: the schedule, its role and target, cfn-lint, cdk-nag, and one test per rule."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler

import constructs_sm as sm
from constructs_sm.errors import ValidationError
from constructs_sm.workflows.schedule import WorkflowSchedule, _check_input, _check_schedule
from tests import builders
from tests.cfn_lint import lint
from tests.conftest import ENV, _cdk_json_context
from tests.nag import PACK_NAMES, findings, synth_with_packs
from tests.template_helpers import resources, statements_of_role

PREFIX = "training"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app, synthesized once with the four cdk-nag packs as validation plugins.

    ``Schedule``: a TrainingWorkflow started by five schedules, one per kind of expression.
    ``NagControl``: a scheduler role with an inline ``"Resource": "*"`` policy, which the packs
    must flag (so a pack that flags nothing in the schedules is seen to have looked).
    """
    outdir = tmp_path_factory.mktemp("cdk.out.schedule")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    stack = cdk.Stack(app, "Schedule", env=ENV)
    training = sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=builders.definition(),
        run_time_parameters={"InstanceType": "ResourceConfig.InstanceType", "MaxRuntime": "StoppingCondition.MaxRuntimeInSeconds"},
    )
    expression = cdk.CfnParameter(stack, "ScheduleExpression", default="rate(1 day)")
    zone = cdk.CfnParameter(stack, "ScheduleZone", default="UTC")
    schedules = {
        "nightly": WorkflowSchedule(
            stack,
            "Nightly",
            workflow=training,
            schedule="cron(30 2 ? * MON-FRI *)",
            time_zone="Europe/Paris",
            input={"InstanceType": "ml.c5.2xlarge", "MaxRuntime": 3600},
            description="nightly",
        ),
        "hourly": WorkflowSchedule(
            stack, "Hourly", workflow=training, schedule="rate(1 hour)", enabled=False, description="hourly"
        ),
        "once": WorkflowSchedule(
            stack,
            "Once",
            workflow=training,
            schedule="at(2027-01-04T09:30:00)",
            time_zone="America/New_York",
            input={"TrainingJobName": f"{PREFIX}-launch-2027"},
            description="once",
        ),
        "expression": WorkflowSchedule(
            stack,
            "Expression",
            workflow=training,
            schedule=scheduler.ScheduleExpression.rate(cdk.Duration.hours(12)),
            description="expression",
        ),
        "token": WorkflowSchedule(
            stack,
            "Token",
            workflow=training,
            schedule=expression.value_as_string,
            time_zone=zone.value_as_string,
            description="token",
        ),
    }
    control = cdk.Stack(app, "NagControl", env=ENV)
    naive = iam.Role(control, "NaiveSchedulerRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"))
    naive.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=["*"]))

    nag = synth_with_packs(app, outdir, control)

    def logical_id(construct: Any) -> str:
        return str(stack.get_logical_id(construct.node.default_child))

    return {
        "template": json.loads((outdir / "Schedule.template.json").read_text()),
        "report": nag["report"],
        "control": nag["control"],
        "machine": logical_id(training.state_machine),
        "schedules": {name: logical_id(s.schedule) for name, s in schedules.items()},
        "roles": {name: logical_id(s.role) for name, s in schedules.items()},
        "constructs": schedules,
        "stack": stack,
        "training": training,
    }


@pytest.fixture(scope="module")
def template(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["template"])


def schedule(built: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(built["template"]["Resources"][built["schedules"][name]]["Properties"])


# --- the schedules ---


def test_cron_schedule_starts_the_state_machine_with_the_input(built: dict[str, Any]) -> None:
    assert schedule(built, "nightly") == {
        "Description": "nightly",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ScheduleExpression": "cron(30 2 ? * MON-FRI *)",
        "ScheduleExpressionTimezone": "Europe/Paris",
        "State": "ENABLED",
        "Target": {
            "Arn": {"Ref": built["machine"]},
            "Input": '{"InstanceType":"ml.c5.2xlarge","MaxRuntime":3600}',
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            "RoleArn": {"Fn::GetAtt": [built["roles"]["nightly"], "Arn"]},
        },
    }


def test_rate_schedule_disabled_without_input(built: dict[str, Any]) -> None:
    hourly = schedule(built, "hourly")
    assert (hourly["ScheduleExpression"], hourly["State"]) == ("rate(1 hour)", "DISABLED")
    assert "Input" not in hourly["Target"], "no input: the execution starts with {}"
    assert hourly["FlexibleTimeWindow"] == {"Mode": "OFF"}


def test_one_time_schedule_in_a_time_zone_with_a_job_name(built: dict[str, Any]) -> None:
    once = schedule(built, "once")
    assert (once["ScheduleExpression"], once["ScheduleExpressionTimezone"]) == (
        "at(2027-01-04T09:30:00)",
        "America/New_York",
    )
    assert json.loads(once["Target"]["Input"]) == {"TrainingJobName": "training-launch-2027"}


def test_schedule_expression_object_is_used_as_given(built: dict[str, Any]) -> None:
    given = schedule(built, "expression")
    assert given["ScheduleExpression"] == "rate(12 hours)"
    assert given["ScheduleExpressionTimezone"] == "Etc/UTC", "aws-cdk-lib's default"


def test_tokens_skip_the_checks(built: dict[str, Any]) -> None:
    token = schedule(built, "token")
    assert (token["ScheduleExpression"], token["ScheduleExpressionTimezone"]) == (
        {"Ref": "ScheduleExpression"},
        {"Ref": "ScheduleZone"},
    )


def test_every_schedule_targets_the_workflow_with_a_role_of_its_own(built: dict[str, Any]) -> None:
    targets = [schedule(built, name)["Target"] for name in built["schedules"]]
    assert all(t["Arn"] == {"Ref": built["machine"]} for t in targets)
    assert [t["RoleArn"]["Fn::GetAtt"][0] for t in targets] == list(built["roles"].values())
    assert len(set(built["roles"].values())) == len(targets)


@pytest.mark.parametrize("name", ["nightly", "hourly", "once", "expression", "token"])
def test_role_is_trusted_by_scheduler_for_this_account_only(built: dict[str, Any], name: str) -> None:
    role = built["template"]["Resources"][built["roles"][name]]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": "123456789012",
                    "aws:SourceArn": "arn:aws:scheduler:us-east-1:123456789012:schedule-group/default",
                }
            },
        }
    ]


@pytest.mark.parametrize("name", ["nightly", "hourly", "once", "expression", "token"])
def test_role_may_start_executions_of_this_state_machine_only(built: dict[str, Any], name: str) -> None:
    statements = statements_of_role(built["template"], built["roles"][name])
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
        ("Allow", "states:StartExecution", {"Ref": built["machine"]})
    ]
    assert not any("Condition" in s for s in statements)


def test_roles_hold_no_inline_policy(template: dict[str, Any], built: dict[str, Any]) -> None:
    """NIST 800-53 IAMNoInlinePolicy: the statement is in a customer managed policy."""
    roles = [{"Ref": role} for role in built["roles"].values()]
    inline = resources(template, "AWS::IAM::Policy").values()
    assert [p for p in inline if any(r in roles for r in p["Properties"].get("Roles", []))] == []


def test_properties_expose_schedule_and_role(built: dict[str, Any]) -> None:
    nightly = built["constructs"]["nightly"]
    assert nightly.schedule.node.path == "Schedule/Nightly/Schedule"
    assert nightly.role.node.path == "Schedule/Nightly/Role"


# --- cfn-lint and cdk-nag ---


def test_cfn_lint_finds_nothing(template: dict[str, Any], tmp_path: Path) -> None:
    assert lint(template, tmp_path / "Schedule.template.json") == []


def _findings(built: dict[str, Any], *, acknowledged: bool) -> list[tuple[str, str, str]]:
    return findings(built["report"], "Schedule/", acknowledged=acknowledged)


def test_cdk_nag_finds_nothing_unacknowledged(built: dict[str, Any]) -> None:
    """The four packs; the workflow's own findings are acknowledged by the workflow."""
    assert _findings(built, acknowledged=False) == []


def test_cdk_nag_flags_nothing_in_the_schedules_even_acknowledged(built: dict[str, Any]) -> None:
    paths = tuple(f"Schedule/{c.node.id}/" for c in built["constructs"].values())
    assert [f for f in _findings(built, acknowledged=True) if f[2].startswith(paths)] == []


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_each_pack_ran_and_flags_the_control_stack(built: dict[str, Any], pack: str) -> None:
    assert built["control"][pack], pack


def test_the_control_findings_are_the_ones_the_schedules_avoid(built: dict[str, Any]) -> None:
    assert "AwsSolutions-IAM5[Resource::*]" in built["control"]["AwsSolutions"]
    assert any(rule.endswith("IAMNoInlinePolicy") for rule in built["control"]["NIST.800.53.R5"])


# --- the expression formats ---


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("at(2027-12-31T23:59:00)", "at"),
        ("rate(1 minute)", "rate"),
        ("rate(15 minutes)", "rate"),
        ("rate(2 hours)", "rate"),
        ("rate(7 days)", "rate"),
        ("cron(0 9 ? * MON-FRI *)", "cron"),
        ("cron(*/15 * * * ? *)", "cron"),
        ("cron(0/10 8-18 ? * 2-6 2027-2030)", "cron"),
        ("cron(0 0 L * ? *)", "cron"),
        ("cron(0 12 15W * ? *)", "cron"),
        ("cron(0 12 LW * ? *)", "cron"),
        ("cron(0 12 ? * 6#3 *)", "cron"),
        ("cron(0 12 ? * 6L *)", "cron"),
        ("cron(0 8 1,15 JAN,JUL ? *)", "cron"),
        ("cron(5,35 14 * 1-6/2 ? 2027)", "cron"),
    ],
)
def test_documented_formats_are_accepted(expression: str, kind: str) -> None:
    assert _check_schedule(expression) == kind


# --- errors: one per rule, matched by its message ---

ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "cron needs 6 fields",
        {"schedule": "cron(0 9 * * ?)"},
        r"^schedule: a cron expression has 6 fields: cron\(minutes hours day-of-month month day-of-week year\), "
        r"but got 'cron\(0 9 \* \* \?\)'$",
    ),
    (
        "cron needs ? in one day field",
        {"schedule": "cron(0 9 * * MON *)"},
        r"^schedule: a cron expression must have \? in exactly one of day-of-month and day-of-week, but got",
    ),
    (
        "cron ? in both day fields",
        {"schedule": "cron(0 9 ? * ? *)"},
        r"^schedule: a cron expression must have \? in exactly one of day-of-month and day-of-week",
    ),
    (
        "cron hour out of range",
        {"schedule": "cron(0 25 * * ? *)"},
        r"^schedule: the cron hours field takes 0-23 and the wildcards , - \* /, and '25' is not one, "
        r"but got 'cron\(0 25 \* \* \? \*\)'$",
    ),
    (
        "cron step in day-of-week",
        {"schedule": "cron(0 9 ? * */2 *)"},
        r"^schedule: the cron day-of-week field takes 1-7 or SUN-SAT and the wildcards , - \* \? L #, and '\*/2' is not one",
    ),
    (
        "cron unknown month",
        {"schedule": "cron(0 9 1 JANUARY ? *)"},
        r"^schedule: the cron month field takes 1-12 or JAN-DEC .* and 'JANUARY' is not one",
    ),
    (
        "cron year out of range",
        {"schedule": "cron(0 9 1 * ? 2300)"},
        r"^schedule: the cron year field takes 1970-2199 .* and '2300' is not one",
    ),
    (
        "rate unit",
        {"schedule": "rate(5 weeks)"},
        r"^schedule: the unit of a rate expression must be one of minute, minutes, hour, hours, day, days, "
        r"but got 'rate\(5 weeks\)'$",
    ),
    (
        "rate value",
        {"schedule": "rate(0 minutes)"},
        r"^schedule: the value of a rate expression must be a positive whole number, but got 'rate\(0 minutes\)'$",
    ),
    (
        "rate form",
        {"schedule": "rate(5minutes)"},
        r"^schedule: a rate expression must be rate\(value unit\), such as rate\(5 minutes\), but got",
    ),
    (
        "at date",
        {"schedule": "at(2027-02-30T10:00:00)"},
        r"^schedule: an at expression must be at\(yyyy-mm-ddThh:mm:ss\), a valid date and time, but got",
    ),
    (
        "at form",
        {"schedule": "at(2027-02-01 10:00)"},
        r"^schedule: an at expression must be at\(yyyy-mm-ddThh:mm:ss\)",
    ),
    (
        "unknown expression",
        {"schedule": "every day at 9"},
        r"^schedule: must be at\(yyyy-mm-ddThh:mm:ss\), rate\(value unit\) or cron\(minutes hours day-of-month "
        r"month day-of-week year\), but got 'every day at 9'$",
    ),
    (
        "schedule type",
        {"schedule": 3600},
        r"^schedule: must be an at\(.*\) string or an aws_scheduler.ScheduleExpression, but got 3600$",
    ),
    (
        "unknown time zone",
        {"schedule": "cron(0 9 * * ? *)", "time_zone": "Mars/Olympus_Mons"},
        r"^time_zone: must be an IANA time zone name such as 'Europe/Paris' or 'UTC', but got 'Mars/Olympus_Mons'$",
    ),
    (
        "abbreviation is not a zone",
        {"schedule": "cron(0 9 * * ? *)", "time_zone": "PDT"},
        r"^time_zone: must be an IANA time zone name",
    ),
    (
        "time zone type",
        {"schedule": "cron(0 9 * * ? *)", "time_zone": 2},
        r"^time_zone: must be an IANA time zone name such as 'Europe/Paris', but got 2$",
    ),
    (
        "time zone with rate",
        {"schedule": "rate(1 day)", "time_zone": "Europe/Paris"},
        r"^time_zone: applies to cron\(\.\.\.\) and at\(\.\.\.\) expressions only",
    ),
    (
        "input not JSON",
        {"schedule": "cron(0 9 * * ? *)", "input": {"Since": datetime(2027, 1, 1)}},
        r"^input.Since: must be JSON-serializable: a datetime is not a JSON value, but got",
    ),
    (
        "input NaN",
        {"schedule": "cron(0 9 * * ? *)", "input": {"Params": [1.0, float("nan")]}},
        r"^input.Params\[1\]: must be JSON-serializable: nan is not a JSON number, but got",
    ),
    (
        "input key",
        {"schedule": "cron(0 9 * * ? *)", "input": {"Params": {1: "one"}}},
        r"^input.Params: must be JSON-serializable: key 1 is not a string, but got",
    ),
    (
        "input not an object",
        {"schedule": "cron(0 9 * * ? *)", "input": '{"a": 1}'},
        r"^input: must be a JSON object \(a dict with string keys\), but got",
    ),
    (
        "input too large",
        {"schedule": "cron(0 9 * * ? *)", "input": {"Blob": "x" * (256 * 1024)}},
        r"^input: must be at most 262144 bytes as JSON \(Step Functions' input limit\), but got '262155 bytes'$",
    ),
    (
        "job name on a recurring schedule",
        {"schedule": "cron(0 9 * * ? *)", "input": {"TrainingJobName": "training-nightly"}},
        r"^input.TrainingJobName: must be left out of a recurring schedule's input: job names are unique",
    ),
    (
        "job name without the prefix",
        {"schedule": "at(2027-01-04T09:30:00)", "input": {"TrainingJobName": "other-launch"}},
        r"^input.TrainingJobName: must start with the workflow's job name prefix 'training-'",
    ),
    (
        "description length",
        {"schedule": "rate(1 day)", "description": "d" * 513},
        r"^description: length must be at most 512 characters, but got 'ddd",
    ),
    ("enabled type", {"schedule": "rate(1 day)", "enabled": "yes"}, r"^enabled: must be a bool, but got 'yes'$"),
]


@pytest.mark.parametrize(("props", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_is_refused_with_its_rule(built: dict[str, Any], props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WorkflowSchedule(built["stack"], "Bad", workflow=built["training"], **props)


def test_time_zone_goes_with_the_expression_object(built: dict[str, Any]) -> None:
    expression = scheduler.ScheduleExpression.cron(hour="9", minute="0")
    with pytest.raises(ValidationError, match=r"^time_zone: must be left unset when schedule is a ScheduleExpression"):
        WorkflowSchedule(built["stack"], "Bad", workflow=built["training"], schedule=expression, time_zone="UTC")


def test_workflow_must_be_a_workflow(built: dict[str, Any]) -> None:
    machine = built["training"].state_machine
    with pytest.raises(ValidationError, match=r"^workflow: must be a TuningWorkflow or TrainingWorkflow, but got"):
        WorkflowSchedule(built["stack"], "Bad", workflow=machine, schedule="rate(1 day)")


def test_a_refused_schedule_leaves_nothing_behind(built: dict[str, Any]) -> None:
    assert not [c for c in built["stack"].node.children if c.node.id == "Bad"]
    assert (
        re.fullmatch(r"[a-z0-9-]+", built["training"].job_name_prefix) and built["training"].job_name_prefix == PREFIX
    )


def test_only_the_workflows_own_job_name_field_is_checked(built: dict[str, Any]) -> None:
    assert built["training"].job_name_field == "TrainingJobName"
    other = {"HyperParameterTuningJobName": "not-read-by-a-training-workflow"}
    assert _check_input(other, "cron", "TrainingJobName", PREFIX) == other


def test_input_mappings_and_tuples_become_json_objects_and_arrays() -> None:
    from types import MappingProxyType

    given = MappingProxyType({"Seeds": (1, 2), "Nested": MappingProxyType({"a": None})})
    assert _check_input(given, "rate", "TrainingJobName", PREFIX) == {"Seeds": [1, 2], "Nested": {"a": None}}
