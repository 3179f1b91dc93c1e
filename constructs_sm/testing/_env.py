"""The emulated account: moto with executing Step Functions, the interpreter patches, SageMaker's rules, job control."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from types import TracebackType
from typing import Any

import boto3

from ._asl import zero_waits as _zero_waits
from ._deployment import Deployment, deploy
from ._execution import DEFAULT_TIMEOUT, Execution, ExecutionResult, start_execution
from ._interpreter import DEFAULT_API_ERROR_NAME, DEFAULT_HISTORY_EVENT_LIMIT, EmulatorSettings, sagemaker_sync_adapter
from ._jobs import SageMakerJobs
from ._moto import TMP_THREADS, mock_aws, mock_random
from ._resources import lazy_key_pairs
from ._s3 import requests_over_tls
from ._sagemaker import sagemaker_rules
from ._stack import Stacks

__all__ = ["DEFAULT_ROLE_ARN", "OfflineAws"]

#: Role given to hand-written state machines (``create_state_machine``); nothing checks it.
DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/emulator-state-machine"


class OfflineAws:
    """An emulated AWS account, in process: deploy templates, run their workflows, script SageMaker.

    Use it as a context manager (one at a time: it patches moto for the duration of the block)::

        with OfflineAws() as aws:
            deployment = aws.deploy(stack)
            aws.jobs.fail("AlgorithmError: out of memory")
            result = deployment.workflow().run({})

    or take the ``offline_aws`` pytest fixture, which is one of these, entered.

    Parameters
    ----------
    region:
        Region of the account (its account id is moto's, 123456789012).
    poll_interval, max_polls, api_error_name, retry_delay_scale, history_event_limit:
        See ``EmulatorSettings``.
    seed:
        Seeds moto's random generator when the block starts (moto's ``MotoRandom``, "can be seeded
        to make identifiers deterministic"): the keys, subnets and other ids moto chooses are the
        same in every block and every run, so a failure shows the same ids again, and a template
        deployed again substitutes the same values into its definitions, which the emulator then
        parses once; the generator's state is put back when the block ends. ``None`` leaves moto's
        generator as it is (ids differ from block to block).
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        poll_interval: float = 0.01,
        max_polls: int = 500,
        api_error_name: str | None = DEFAULT_API_ERROR_NAME,
        retry_delay_scale: float = 0.0,
        history_event_limit: int | None = DEFAULT_HISTORY_EVENT_LIMIT,
        seed: int | None = 0,
    ) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"OfflineAws(seed=...) must be an int or None, not {seed!r}")
        self.region = region
        self._seed = seed
        self._options: dict[str, Any] = {
            "poll_interval": poll_interval,
            "max_polls": max_polls,
            "api_error_name": api_error_name,
            "retry_delay_scale": retry_delay_scale,
            "history_event_limit": history_event_limit,
        }
        self._stack: ExitStack | None = None
        self._clients: dict[str, Any] = {}
        self._names = itertools.count(1)
        self._jobs: SageMakerJobs | None = None
        self._settings: EmulatorSettings | None = None
        self._first_thread = 0
        self.chosen_ids: dict[tuple[str, str], str] = {}
        """Ids the emulated services chose for deployed resources, by (stack name, logical id)."""
        self.stacks = Stacks()
        """The stacks deployed in the account (what each holds), and how many of each name ended."""

    # ------------------------------------------------------------------ block
    def __enter__(self) -> OfflineAws:
        if self._stack is not None:
            raise RuntimeError("this OfflineAws is already entered")
        stack = ExitStack()
        try:
            # Keeping boto3's default session keeps its parsed service models: every Task call of the
            # interpreter creates a boto3 client, about 50 ms each without that cache.
            stack.enter_context(
                mock_aws(
                    config={"stepfunctions": {"execute_state_machine": True}, "core": {"reset_boto3_session": False}}
                )
            )
            self._settings = stack.enter_context(sagemaker_sync_adapter(**self._options))
            stack.enter_context(sagemaker_rules())
            stack.enter_context(lazy_key_pairs())
            stack.enter_context(requests_over_tls())
            self._jobs = stack.enter_context(SageMakerJobs())
            if self._seed is not None:
                # Seeded for the block; moto's generator is left as it was found when the block ends.
                stack.callback(mock_random.setstate, mock_random.getstate())
                mock_random.seed(self._seed)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        self._first_thread = len(TMP_THREADS)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._stack is None:
            return
        try:
            self.stop_running_executions()
            # Let stopped interpreter threads notice before moto's backends go away.
            deadline = time.monotonic() + 1.0
            for thread in TMP_THREADS[self._first_thread :]:
                if isinstance(thread, threading.Thread):
                    thread.join(max(0.0, deadline - time.monotonic()))
        finally:
            stack, self._stack = self._stack, None
            self._clients.clear()
            self.chosen_ids.clear()
            self.stacks.clear()
            stack.close()

    def _entered(self) -> None:
        if self._stack is None:
            raise RuntimeError("use OfflineAws as a context manager: `with OfflineAws() as aws: ...`")

    # ------------------------------------------------------------------ handles
    @property
    def account_id(self) -> str:
        """The emulated account's id."""
        return str(self.client("sts").get_caller_identity()["Account"])

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` in this account and region (created once per block)."""
        self._entered()
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    @property
    def sfn(self) -> Any:
        """boto3 Step Functions client."""
        return self.client("stepfunctions")

    @property
    def sagemaker(self) -> Any:
        """boto3 SageMaker client."""
        return self.client("sagemaker")

    @property
    def jobs(self) -> SageMakerJobs:
        """SageMaker's side, under the test's control (``SageMakerJobs``)."""
        self._entered()
        assert self._jobs is not None
        return self._jobs

    @property
    def settings(self) -> EmulatorSettings:
        """The emulator's settings in force; ``retry_delays`` fills in as Retry clauses wait."""
        self._entered()
        assert self._settings is not None
        return self._settings

    @property
    def retry_delays(self) -> list[float]:
        """Every delay, in seconds, that a Retry clause asked for (before ``retry_delay_scale``)."""
        return self.settings.retry_delays

    # ------------------------------------------------------------------ deploy and run
    def deploy(
        self,
        source: Any,
        *,
        stack: str | None = None,
        stack_name: str | None = None,
        zero_waits: bool = True,
        parameters: Mapping[str, Any] | None = None,
        known_values: Mapping[str, Any] | None = None,
        ignore_resource_types: Iterable[str] = (),
        via_cloudformation: bool = False,
    ) -> Deployment:
        """Deploy a stack into this account: every resource it declares, created as CloudFormation would.

        Deploying a stack of the same name again updates it. A resource the stack does not hold yet
        whose fixed name is taken (a model package group that a destroyed stack retained) fails the
        deployment as CloudFormation does, ``DeploymentFailedError`` (``AlreadyExists``), and what the
        deployment created is rolled back (``Retain`` resources stay). ``Deployment.destroy()``
        deletes the stack again (``cdk destroy``).

        Parameters
        ----------
        source:
            An ``aws_cdk.Stack``; a cloud assembly directory (``cdk.out``); a ``*.template.json``
            file; a template as a dict or a JSON string.
        stack:
            The stack to take from a cloud assembly holding several (its name or artifact id).
        stack_name:
            ``AWS::StackName`` (default: the stack's name, the template file's stem, else
            ``"TestStack"``); generated physical names start with it.
        zero_waits:
            Make every Wait state wait 0 seconds in the deployed copy (moto's Wait really sleeps);
            the template is not changed.
        parameters:
            Values of template parameters (default: their ``Default``).
        known_values:
            What a ``Ref`` (``"LogicalId"``) or ``Fn::GetAtt`` (``"LogicalId.Attribute"``) resolves
            to, and ``Fn::ImportValue`` (``"ImportValue:<export>"``), instead of the emulator's value.
        ignore_resource_types:
            Resource types the emulator does not create and may skip for this deployment; any
            other such type raises ``NotEmulatedError``.
        via_cloudformation:
            Create the resources through moto's CloudFormation instead (slower; see MODELLED.md).
        """
        self._entered()
        return deploy(
            self,
            source,
            stack=stack,
            stack_name=stack_name,
            zero_waits=zero_waits,
            parameters=parameters,
            known_values=known_values,
            ignore_resource_types=frozenset(ignore_resource_types),
            via_cloudformation=via_cloudformation,
        )

    def create_state_machine(
        self, definition: Mapping[str, Any], name: str, *, zero_waits: bool = True, role_arn: str = DEFAULT_ROLE_ARN
    ) -> str:
        """Create a hand-written definition (Wait states shortened unless told not to); return its ARN."""
        body = _zero_waits(dict(definition)) if zero_waits else dict(definition)
        return str(
            self.sfn.create_state_machine(name=name, definition=json.dumps(body), roleArn=role_arn)["stateMachineArn"]
        )

    def start(
        self, arn: str, input: Any = None, name: str | None = None, *, deployment: Deployment | None = None
    ) -> Execution:
        """Start an execution of state machine ``arn`` (named ``name``, else ``execution-<n>``)."""
        name = name or f"execution-{next(self._names)}"
        return Execution(self.sfn, start_execution(self.sfn, arn, {} if input is None else input, name), deployment)

    def run(
        self,
        arn: str,
        input: Any = None,
        name: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        deployment: Deployment | None = None,
    ) -> ExecutionResult:
        """Start an execution, wait for its end (at most ``timeout`` s), return its result."""
        return self.start(arn, input, name, deployment=deployment).wait(timeout=timeout)

    def stop_running_executions(self) -> None:
        """Stop every RUNNING execution, so that no interpreter thread outlives the block."""
        for machine in self.sfn.list_state_machines()["stateMachines"]:
            running = self.sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
            for execution in running["executions"]:
                self.sfn.stop_execution(executionArn=execution["executionArn"], error="Emulator.Teardown")
