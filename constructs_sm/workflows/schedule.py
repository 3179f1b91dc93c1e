"""WorkflowSchedule: an EventBridge Scheduler schedule that starts a workflow's executions."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from constructs import Construct

from ..core._arns import arn
from ..core._tokens import is_token
from ..errors import ValidationError
from ..iam._policy import ManagedPolicyRole, granting
from ._job_workflow import JobWorkflow

# Step Functions quotas: an execution's input is at most 256 KiB of UTF-8.
MAX_INPUT_BYTES = 256 * 1024
# EventBridge Scheduler API Reference, CreateSchedule: Description is at most 512 characters.
MAX_DESCRIPTION_LENGTH = 512

_FORMATS = "at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)"
_RATE = re.compile(r"rate\((?P<value>[^ ()]+) (?P<unit>[^ ()]+)\)")
_RATE_UNITS = ("minute", "minutes", "hour", "hours", "day", "days")
_AT = re.compile(r"at\((?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")
# Not zones a schedule can be evaluated in: tzdata's placeholder and the system's own links.
_NOT_IANA_ZONES = frozenset({"Factory", "localtime", "posixrules"})


class WorkflowSchedule(Construct):
    """An EventBridge Scheduler schedule that starts an execution of ``workflow`` on a schedule.

    The schedule's target is ``states:StartExecution`` on the workflow's state machine, with
    ``input`` as the execution input; it assumes a role of its own, trusted by
    ``scheduler.amazonaws.com`` for this account's default schedule group (``aws:SourceAccount``,
    ``aws:SourceArn``: EventBridge Scheduler User Guide, "Cross-service confused deputy prevention") and allowed
    ``states:StartExecution`` on this state machine only. The flexible time window is off: each
    execution starts at the scheduled minute. Scheduler retries a failed start for up to 24 hours
    (aws-cdk-lib's defaults: 185 attempts).

    Expression strings are checked at synth time against EventBridge Scheduler's documented
    formats (EventBridge Scheduler User Guide, "Schedule types"): ``at(yyyy-mm-ddThh:mm:ss)``,
    ``rate(value unit)`` with a positive whole value and the unit ``minute(s)``, ``hour(s)`` or
    ``day(s)``, and ``cron(minutes hours day-of-month month day-of-week year)`` with each field's
    values and wildcards, and ``?`` in exactly one of the day fields. Leave the job name out of a
    recurring schedule's input: each execution then generates one (SageMaker job names are unique
    per account and region, so a fixed name fails every run after the first).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: JobWorkflow,
        schedule: str | scheduler.ScheduleExpression,
        time_zone: str | None = None,
        input: Mapping[str, Any] | None = None,
        description: str | None = None,
        enabled: bool = True,
    ) -> None:
        """
        :param workflow: the ``TuningWorkflow`` or ``TrainingWorkflow`` to start.
        :param schedule: ``ScheduleExpression`` (API field): an ``at(...)``, ``rate(...)`` or
            ``cron(...)`` string, or an ``aws_scheduler.ScheduleExpression`` (which carries its own
            time zone).
        :param time_zone: ``ScheduleExpressionTimezone``: the IANA time zone (``Europe/Paris``) a
            ``cron(...)`` or ``at(...)`` string is evaluated in. @default - UTC
        :param input: the execution input, a JSON object of at most 256 KiB (Step Functions'
            limit), such as ``{"TrainingJobName": "<prefix>-2027-01-01"}`` for a one-time run.
            @default - no input: the execution starts with ``{}``
        :param description: the schedule's ``Description``, at most 512 characters. @default - none
        :param enabled: ``State``: ENABLED or DISABLED. @default - true
        """
        if not isinstance(workflow, JobWorkflow):
            raise ValidationError("workflow", "must be a TuningWorkflow or TrainingWorkflow", workflow)
        kind = _check_schedule(schedule)
        _check_time_zone(time_zone, schedule, kind)
        body = _check_input(input, kind, workflow.job_name_field, workflow.job_name_prefix)
        if body is not None:
            # What the workflow's first state would refuse fails the synth instead of every run.
            workflow.check_input("input", body)
        if description is not None:
            if not isinstance(description, str):
                raise ValidationError("description", "must be a string", description)
            if not is_token(description) and len(description) > MAX_DESCRIPTION_LENGTH:
                raise ValidationError(
                    "description", f"length must be at most {MAX_DESCRIPTION_LENGTH} characters", description
                )
        if not isinstance(enabled, bool):
            raise ValidationError("enabled", "must be a bool", enabled)
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": arn(self, "scheduler", "schedule-group/default"),
                    }
                },
            ),
            description=f"Starts executions of {workflow.node.path} on a schedule",
        )
        if isinstance(schedule, str):
            zone = cdk.TimeZone.of(time_zone) if time_zone is not None else None
            expression = scheduler.ScheduleExpression.expression(schedule, zone)
        else:
            expression = schedule
        # The target grants states:StartExecution on the state machine to the role.
        target = scheduler_targets.StepFunctionsStartExecution(
            workflow.state_machine,
            role=self._role,
            input=scheduler.ScheduleTargetInput.from_object(body) if body is not None else None,
        )
        # The target's grant comes when the schedule binds it.
        with granting(
            self._role,
            "EventBridge Scheduler starts executions of the workflow (EventBridge Scheduler User Guide, "
            "'Set up the execution role')",
        ):
            self._schedule = scheduler.Schedule(
                self,
                "Schedule",
                schedule=expression,
                target=target,
                description=description,
                enabled=enabled,
                time_window=scheduler.TimeWindow.off(),
            )

    @property
    def schedule(self) -> scheduler.Schedule:
        """The EventBridge Scheduler schedule."""
        return self._schedule

    @property
    def role(self) -> iam.IRole:
        """The role the schedule assumes to start executions."""
        return self._role


def _check_schedule(schedule: Any) -> str | None:
    """The kind of the expression (``at``, ``rate``, ``cron``), None for a token or a
    ``ScheduleExpression``; a ValidationError if a string breaks the documented format."""
    if isinstance(schedule, scheduler.ScheduleExpression):
        return None
    if not isinstance(schedule, str):
        raise ValidationError(
            "schedule", f"must be an {_FORMATS} string or an aws_scheduler.ScheduleExpression", schedule
        )
    if is_token(schedule):
        return None
    if schedule.startswith("at("):
        match = _AT.fullmatch(schedule)
        if match is None or not _is_date_time(match["time"]):
            raise ValidationError(
                "schedule", "an at expression must be at(yyyy-mm-ddThh:mm:ss), a valid date and time", schedule
            )
        return "at"
    if schedule.startswith("rate("):
        _check_rate(schedule)
        return "rate"
    if schedule.startswith("cron("):
        _check_cron(schedule)
        return "cron"
    raise ValidationError("schedule", f"must be {_FORMATS}", schedule)


def _is_date_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _check_rate(expression: str) -> None:
    match = _RATE.fullmatch(expression)
    if match is None:
        raise ValidationError(
            "schedule", "a rate expression must be rate(value unit), such as rate(5 minutes)", expression
        )
    if not re.fullmatch(r"[1-9][0-9]*", match["value"]):
        raise ValidationError("schedule", "the value of a rate expression must be a positive whole number", expression)
    if match["unit"] not in _RATE_UNITS:
        raise ValidationError(
            "schedule", f"the unit of a rate expression must be one of {', '.join(_RATE_UNITS)}", expression
        )


@dataclass(frozen=True, kw_only=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for low, low + 1, ...
    wildcards: str = ", - * /"

    def value(self, text: str) -> int | None:
        """The field value ``text`` stands for, None if out of range or unknown."""
        if text.upper() in self.names:
            return self.low + self.names.index(text.upper())
        if re.fullmatch(r"[0-9]{1,4}", text) and self.low <= int(text) <= self.high:
            return int(text)
        return None

    def rule(self) -> str:
        values = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
        return f"the cron {self.name} field takes {values} and the wildcards {self.wildcards}"


# EventBridge Scheduler User Guide, "Cron expressions reference".
_CRON_FIELDS = (
    _CronField(name="minutes", low=0, high=59),
    _CronField(name="hours", low=0, high=23),
    _CronField(name="day-of-month", low=1, high=31, wildcards=", - * ? / L W"),
    _CronField(
        name="month",
        low=1,
        high=12,
        names=("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    ),
    _CronField(
        name="day-of-week",
        low=1,
        high=7,
        names=("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"),
        wildcards=", - * ? L #",
    ),
    _CronField(name="year", low=1970, high=2199),
)


def _check_cron(expression: str) -> None:
    match = _CRON.fullmatch(expression)
    fields = match["fields"].split() if match else []
    if len(fields) != len(_CRON_FIELDS):
        raise ValidationError(
            "schedule",
            "a cron expression has 6 fields: cron(minutes hours day-of-month month day-of-week year)",
            expression,
        )
    for field, text in zip(_CRON_FIELDS, fields, strict=True):
        bad = _bad_cron_part(field, text)
        if bad is not None:
            raise ValidationError("schedule", f"{field.rule()}, and {bad!r} is not one", expression)
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValidationError(
            "schedule",
            "a cron expression must have ? in exactly one of day-of-month and day-of-week",
            expression,
        )


def _bad_cron_part(field: _CronField, text: str) -> str | None:
    """The first part of a cron field that its values and wildcards do not allow, or None."""
    if text == "?":
        return None if "?" in field.wildcards else text
    for part in text.split(","):
        if not _cron_part_ok(field, part):
            return part
    return None


def _cron_part_ok(field: _CronField, part: str) -> bool:
    if field.name == "day-of-month" and (
        part in ("L", "LW") or (part.endswith("W") and field.value(part[:-1]) is not None)
    ):
        return True
    if field.name == "day-of-week":
        if part == "L" or (part.endswith("L") and field.value(part[:-1]) is not None):
            return True
        day, hash_, nth = part.partition("#")
        if hash_:
            return field.value(day) is not None and nth in ("1", "2", "3", "4", "5")
    base, slash, step = part.partition("/")
    if slash and ("/" not in field.wildcards or not re.fullmatch(r"[1-9][0-9]*", step)):
        return False
    if base == "*":
        return True
    start, dash, end = base.partition("-")
    if field.value(start) is None:
        return False
    return not dash or field.value(end) is not None


def _check_time_zone(time_zone: Any, schedule: Any, kind: str | None) -> None:
    if time_zone is None:
        return
    if not isinstance(time_zone, str):
        raise ValidationError("time_zone", "must be an IANA time zone name such as 'Europe/Paris'", time_zone)
    if isinstance(schedule, scheduler.ScheduleExpression):
        raise ValidationError(
            "time_zone",
            "must be left unset when schedule is a ScheduleExpression, which carries its own "
            "(ScheduleExpression.cron(time_zone=...), .at(date, time_zone), .expression(text, time_zone))",
            time_zone,
        )
    if is_token(time_zone):
        return
    if kind == "rate":
        raise ValidationError(
            "time_zone",
            "applies to cron(...) and at(...) expressions only: a rate(...) schedule runs at a fixed interval",
            time_zone,
        )
    _check_zone_name(time_zone)


def _check_zone_name(time_zone: str) -> None:
    zones = _iana_zones()
    if zones and time_zone not in zones:
        raise ValidationError("time_zone", "must be an IANA time zone name such as 'Europe/Paris' or 'UTC'", time_zone)


@functools.cache
def _iana_zones() -> frozenset[str]:
    """The IANA zones of the system's or the tzdata package's database; empty without either,
    and then names are not checked."""
    return frozenset(available_timezones()) - _NOT_IANA_ZONES


def _check_input(value: Any, kind: str | None, name_field: str | None, prefix: str) -> dict[str, Any] | None:
    """The execution input as a dict; a ValidationError unless it is a JSON object of at most
    256 KiB, and if it names the job, a name the workflow takes for this kind of schedule."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError("input", "must be a JSON object (a dict with string keys)", value)
    bad = _not_json(value, "input")
    if bad is not None:
        path, reason = bad
        raise ValidationError(path, f"must be JSON-serializable: {reason}", value)
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=dict)  # default: other Mappings
    body: dict[str, Any] = json.loads(text)  # tuples become lists, Mappings dicts; tokens are kept
    size = len(text.encode())
    if size > MAX_INPUT_BYTES:
        raise ValidationError(
            "input", f"must be at most {MAX_INPUT_BYTES} bytes as JSON (Step Functions' input limit)", f"{size} bytes"
        )
    name = body.get(name_field) if name_field is not None else None
    if isinstance(name, str) and not is_token(name):
        if not name.startswith(f"{prefix}-"):
            raise ValidationError(
                f"input.{name_field}",
                f"must start with the workflow's job name prefix '{prefix}-' (the state machine fails other names)",
                name,
            )
        if kind in ("rate", "cron"):
            raise ValidationError(
                f"input.{name_field}",
                "must be left out of a recurring schedule's input: job names are unique, so every "
                "execution after the first would fail; without it each execution generates one",
                name,
            )
    return body


def _not_json(value: Any, path: str) -> tuple[str, str] | None:
    """Where ``value`` stops being JSON, and why; None if it is JSON throughout."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, f"{value!r} is not a JSON number")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, f"key {key!r} is not a string"
            found = _not_json(item, f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _not_json(item, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return path, f"a {type(value).__name__} is not a JSON value"
