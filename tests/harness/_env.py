"""Everything at once: moto with the executing interpreter, the adapter, SageMaker's rules, and job control."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from moto.stepfunctions.parser.utils import TMP_THREADS

from ._asl import zero_waits as _zero_waits
from ._execution import ExecutionResult, run_execution
from ._interpreter import DEFAULT_API_ERROR_NAME, DEFAULT_HISTORY_EVENT_LIMIT, AdapterSettings, sagemaker_sync_adapter
from ._jobs import SageMakerJobs
from ._sagemaker import sagemaker_rules
from ._template import Deployment, deploy_template

__all__ = ["OfflineAws", "offline_aws"]

#: Role given to hand-written state machines (moto does not check it).
DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/harness-state-machine"


@dataclass
class OfflineAws:
    """Handles of an ``offline_aws`` block.

    Attributes
    ----------
    sfn, sagemaker:
        boto3 clients bound to moto.
    jobs:
        Control over SageMaker jobs (``SageMakerJobs``).
    adapter:
        Settings of the interpreter patches (``AdapterSettings``), with ``retry_delays``.
    region:
        Region of the clients.
    """

    sfn: Any
    sagemaker: Any
    jobs: SageMakerJobs
    adapter: AdapterSettings
    region: str

    def create_state_machine(
        self, definition: Mapping[str, Any], name: str, *, zero_waits: bool = True, role_arn: str = DEFAULT_ROLE_ARN
    ) -> str:
        """Create a hand-written definition (Wait states shortened unless told not to); return its ARN."""
        body = _zero_waits(dict(definition)) if zero_waits else dict(definition)
        return self.sfn.create_state_machine(name=name, definition=json.dumps(body), roleArn=role_arn)[
            "stateMachineArn"
        ]

    def deploy(self, template: Mapping[str, Any] | str | Path, **kwargs: Any) -> Deployment:
        """``deploy_template`` in this block's region (same keyword arguments)."""
        return deploy_template(template, region=self.region, **kwargs)

    def run(self, arn: str, input: dict[str, Any], name: str, *, timeout: float = 5.0) -> ExecutionResult:
        """``run_execution`` with this block's Step Functions client."""
        return run_execution(self.sfn, arn, input, name, timeout=timeout)

    def stop_running_executions(self) -> None:
        """Stop every RUNNING execution, so no interpreter thread outlives the block."""
        for machine in self.sfn.list_state_machines()["stateMachines"]:
            running = self.sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
            for execution in running["executions"]:
                self.sfn.stop_execution(executionArn=execution["executionArn"], error="Harness.Teardown")


@contextmanager
def offline_aws(
    *,
    region: str = "us-east-1",
    poll_interval: float = 0.01,
    max_polls: int = 500,
    api_error_name: str | None = DEFAULT_API_ERROR_NAME,
    retry_delay_scale: float = 0.0,
    history_event_limit: int | None = DEFAULT_HISTORY_EVENT_LIMIT,
) -> Iterator[OfflineAws]:
    """``mock_aws`` with executing Step Functions, the adapter, SageMaker's rules and ``SageMakerJobs``.

    Keyword arguments are those of ``sagemaker_sync_adapter``. boto3's default session is kept
    across blocks (moto's ``reset_boto3_session`` off) to reuse parsed service models. On exit,
    running executions are stopped (their threads get up to 1 s to end) and every patch is removed.
    """
    # Keeping boto3's default session keeps its parsed service models: every Task call of the
    # interpreter creates a boto3 client, about 50 ms each without that cache.
    config = {"stepfunctions": {"execute_state_machine": True}, "core": {"reset_boto3_session": False}}
    with mock_aws(config=config):
        with (
            sagemaker_sync_adapter(
                poll_interval=poll_interval,
                max_polls=max_polls,
                api_error_name=api_error_name,
                retry_delay_scale=retry_delay_scale,
                history_event_limit=history_event_limit,
            ) as adapter,
            sagemaker_rules(),
            SageMakerJobs() as jobs,
        ):
            env = OfflineAws(
                sfn=boto3.client("stepfunctions", region_name=region),
                sagemaker=boto3.client("sagemaker", region_name=region),
                jobs=jobs,
                adapter=adapter,
                region=region,
            )
            first_thread = len(TMP_THREADS)
            try:
                yield env
            finally:
                env.stop_running_executions()
                # Let stopped interpreter threads notice before moto's backends go away.
                deadline = time.monotonic() + 1.0
                for thread in TMP_THREADS[first_thread:]:
                    thread.join(max(0.0, deadline - time.monotonic()))
