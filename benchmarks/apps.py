"""The apps the benchmark synthesizes, one per subprocess.

    python benchmarks/apps.py KIND N OUTDIR [--own] [--shared-sg] [--no-limit] [--compact]

KIND is ``empty`` (the floor: one stack, nothing in it), ``tuning`` (N TuningWorkflows),
``training`` (N TrainingWorkflows, if constructs_sm exports it) or ``anchor`` (N aws-cdk-lib
``SageMakerCreateTrainingJob`` tasks, each in its own ``StateMachine``).

Every non-empty app has one stack holding one VPC (2 private isolated subnets), one
imported data bucket, and -- unless ``--own`` -- one SageMaker execution role and one KMS
key that all N workflows share. Ours shares constructs_sm's own role and key
(``sm.SageMakerExecutionRole``, ``sm.artifact_key``); the anchor shares aws-cdk-lib's only
(``iam.Role(assumed_by=ServicePrincipal("sagemaker.amazonaws.com"))``,
``kms.Key(enable_key_rotation=True, removal_policy=RETAIN)``), so that no constructs_sm
code (nor its Python callbacks) runs in the anchor; the anchor and the empty app do not even
import constructs_sm or app.py (the image URI is read from app.py's source). The job is the example app's XGBoost
job (app.py): same image, channels, output, instance, volume, max runtime, static
hyperparameters, VPC subnets for ours and for the anchor. Each workflow gets its own
security group in both libraries (the anchor always creates one; ours creates one when
none is given), its own log group (level ALL) and X-Ray tracing. ``--own`` gives every
workflow its own role and key (the libraries' defaults; the anchor's own key is the same
``kms.Key``); ``--shared-sg`` gives our workflows one shared security group
(``VpcConfig(security_groups=[...])``; the anchor cannot share); ``--no-limit`` lifts CDK's
500-resource check (context ``@aws-cdk/core:stackResourceLimit`` = 0) so that identical
settings can be timed at any N in both libraries; ``--compact`` writes the template without
indentation (``Stack(suppress_template_indentation=True)``). KIND ``tuning-sdk`` is a
TuningWorkflow with ``autotune=True``: the library's own Wait/Describe/Choice polling design
(aws-sdk integration, 1-minute interval).

aws-cdk-lib's template validation at ``app.synth()`` is on unless the environment says
``CDK_VALIDATION=false`` (read by aws-cdk-lib's JS in the Node child, which inherits this
process's environment; run.py sets it per run).

jsii calls are counted: before aws_cdk is imported, the jsii kernel's create, get, set, sget,
sset, invoke and sinvoke (``jsii._kernel.Kernel``, and the ``jsii.<method>`` aliases the
generated bindings call) and the JS->Python callbacks (``jsii._kernel._handle_callback``,
which ``_callback_till_result`` runs for every callback the Node process sends back instead
of a result) are wrapped with counters. As a cross-check every request written to the Node
process (``_NodeProcess.send``) is counted by type ("messages": the calls above, one
completion per callback, and the assembly loads).

Prints one JSON line: phase timings (seconds, measured inside the process: wall, and the
Python process's own CPU), jsii counts per phase (import, construct, synth), whether
validation was on, the validation report's violation count, and where the template was
written.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

T0 = time.perf_counter()
C0 = time.process_time()

# ---------------------------------------------------------------- jsii counters (before any construct)

import jsii  # noqa: E402
from jsii import _kernel as _jsii_kernel  # noqa: E402
from jsii._kernel.providers import process as _jsii_process  # noqa: E402

KERNEL_CALLS = ("create", "get", "set", "sget", "sset", "invoke", "sinvoke")
COUNTS: Counter[str] = Counter()
# Which member each call and callback was for ("invoke Role.addToPrincipalPolicy"), to show where they go.
MEMBERS: Counter[str] = Counter()


def _fqn(klass: Any) -> str:
    return str(getattr(klass, "__jsii_type__", None) or getattr(klass, "__name__", "?")).removeprefix("aws-cdk-lib.")


def _member(name: str, args: tuple[Any, ...]) -> str:
    # Kernel.create(klass, obj, args), get/set/invoke(obj, member, ...), sget/sset/sinvoke(klass, member, ...)
    if name == "create":
        return f"create {_fqn(args[0])}"
    if name in ("sget", "sset", "sinvoke"):
        return f"{name} {_fqn(args[0])}.{args[1]}"
    return f"{name} {type(args[0]).__name__}.{args[1]}"


def _counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(kernel: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS[name] += 1
        try:
            MEMBERS[_member(name, args)] += 1
        except Exception:  # noqa: BLE001 - a label is not worth failing the call for
            MEMBERS[name + " ?"] += 1
        return fn(kernel, *args, **kwargs)

    return wrapper


def install_counters() -> None:
    for name in KERNEL_CALLS:
        setattr(_jsii_kernel.Kernel, name, _counted(name, getattr(_jsii_kernel.Kernel, name)))
        # jsii/__init__.py bound these at import (``jsii.create = kernel.create``): rebind them
        # to the counted methods, since the generated bindings call ``jsii.create(...)``.
        setattr(jsii, name, getattr(jsii.kernel, name))
    # Every JS->Python callback (invoke of a Python override, get/set of a Python property) is
    # run by this module-level function, looked up at call time by _callback_till_result and
    # _await_promise.
    handle = _jsii_kernel._handle_callback  # type: ignore[attr-defined]

    @functools.wraps(handle)
    def counted_handle(kernel: Any, callback: Any) -> Any:
        COUNTS["callbacks"] += 1
        MEMBERS[f"callback {callback.cookie}"] += 1
        return handle(kernel, callback)

    _jsii_kernel._handle_callback = counted_handle  # type: ignore[attr-defined]
    send = _jsii_process._NodeProcess.send

    @functools.wraps(send)
    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        COUNTS["msg:" + type(request).__name__] += 1
        return send(self, request, response_type)

    _jsii_process._NodeProcess.send = counted_send  # type: ignore[method-assign]


def snapshot() -> dict[str, int]:
    calls = {name: COUNTS[name] for name in KERNEL_CALLS}
    messages = {k[4:]: v for k, v in COUNTS.items() if k.startswith("msg:")}
    return {
        **calls,
        "calls": sum(calls.values()),
        "callbacks": COUNTS["callbacks"],
        "messages": sum(messages.values()),
        **{"msg_" + k: v for k, v in sorted(messages.items())},
    }


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items()}


install_counters()

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_ec2 as ec2  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_stepfunctions as sfn  # noqa: E402
from aws_cdk import aws_stepfunctions_tasks as tasks  # noqa: E402
from constructs import Construct  # noqa: E402

# BENCH_LIBRARY_ROOT: measure constructs_sm (and app.py) from another checkout, e.g. a scratch copy.
ROOT = os.environ.get("BENCH_LIBRARY_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# constructs_sm and the example app's job (app.py), imported by our apps only (import_ours, from
# main): the anchor and the empty app run no constructs_sm code, not even its import.
sm: Any = None
xgboost_definition: Any = None
xgboost_tuning: Any = None


def import_ours() -> None:
    global sm, xgboost_definition, xgboost_tuning
    import constructs_sm
    from app import xgboost_definition as definition
    from app import xgboost_tuning as tuning

    sm, xgboost_definition, xgboost_tuning = constructs_sm, definition, tuning


def app_constant(name: str) -> Any:
    """A constant of app.py, read from its source without importing it (nor constructs_sm)."""
    with open(os.path.join(ROOT, "app.py")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"app.py has no {name}")


XGBOOST_IMAGE = app_constant("XGBOOST_IMAGE")

ENV = cdk.Environment(account="123456789012", region="us-east-1")
STACK = "Bench"
STATIC_HYPER_PARAMETERS = {"objective": "binary:logistic", "eval_metric": "auc", "num_round": "200"}


def vpc_of(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )


def vpc_config(stack: cdk.Stack, vpc: ec2.Vpc, shared_sg: bool) -> sm.VpcConfig:
    if not shared_sg:
        return sm.VpcConfig(vpc=vpc)
    group = ec2.SecurityGroup(stack, "SharedSecurityGroup", vpc=vpc, description="SageMaker training jobs")
    group.add_ingress_rule(group, ec2.Port.all_traffic(), "Distributed training between members")
    return sm.VpcConfig(vpc=vpc, security_groups=[group])


def add_tuning(stack: cdk.Stack, n: int, shared: bool, shared_sg: bool) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    vpc = vpc_of(stack)
    role = sm.SageMakerExecutionRole(stack, "SharedRole") if shared else None
    key = sm.artifact_key(stack, "SharedKey") if shared else None
    definition = xgboost_definition(bucket, vpc_config=vpc_config(stack, vpc, shared_sg))
    tuning = xgboost_tuning(bucket)
    many: dict[str, object] = {}
    if "--many" in sys.argv:  # what a stack of many workflows shares: a log group; definitions in S3
        many = {"log_group": logs.LogGroup(stack, "SharedLogs", encryption_key=key), "definition_in_s3": True}
    for i in range(n):
        sm.TuningWorkflow(
            stack,
            f"Tuning{i}",
            training_job_definition=definition,
            role=role,
            encryption_key=key,
            **tuning,  # type: ignore[arg-type]
            **many,  # type: ignore[arg-type]
        )


def add_tuning_sdk(stack: cdk.Stack, n: int, shared: bool, shared_sg: bool) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    vpc = vpc_of(stack)
    definition = xgboost_definition(bucket, vpc_config=vpc_config(stack, vpc, shared_sg))
    for i in range(n):
        sm.TuningWorkflow(
            stack, f"Tuning{i}", training_job_definition=definition, autotune=True, **xgboost_tuning(bucket)  # type: ignore[arg-type]
        )


def add_training(stack: cdk.Stack, n: int, shared: bool, shared_sg: bool) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    vpc = vpc_of(stack)
    role = sm.SageMakerExecutionRole(stack, "SharedRole") if shared else None
    key = sm.artifact_key(stack, "SharedKey") if shared else None
    definition = xgboost_definition(bucket, vpc_config=vpc_config(stack, vpc, shared_sg))
    for i in range(n):
        sm.TrainingWorkflow(  # type: ignore[attr-defined]
            stack, f"Training{i}", training_job_definition=definition, role=role, encryption_key=key
        )


def anchor_key(scope: Construct, id: str) -> kms.Key:
    return kms.Key(scope, id, enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN)


def add_anchor(stack: cdk.Stack, n: int, shared: bool, shared_sg: bool) -> None:
    """aws-cdk-lib's own task with the same job and VPC; one state machine each. aws-cdk-lib only:
    the shared role and key are aws-cdk-lib's ``iam.Role`` and ``kms.Key``, not constructs_sm's."""
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    vpc = vpc_of(stack)
    role = iam.Role(stack, "SharedRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")) if shared else None
    key = anchor_key(stack, "SharedKey") if shared else None
    for i in range(n):
        group = Construct(stack, f"Anchor{i}")
        wf_key = key if key is not None else anchor_key(group, "Key")
        task = tasks.SageMakerCreateTrainingJob(
            group,
            "Train",
            training_job_name=sfn.JsonPath.string_at("$.JobName"),
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            algorithm_specification=tasks.AlgorithmSpecification(
                training_image=tasks.DockerImage.from_registry(XGBOOST_IMAGE),
                training_input_mode=tasks.InputMode.FILE,
            ),
            hyperparameters=STATIC_HYPER_PARAMETERS,
            input_data_config=[
                tasks.Channel(
                    channel_name=name,
                    content_type="text/csv",
                    data_source=tasks.DataSource(
                        s3_data_source=tasks.S3DataSource(
                            s3_location=tasks.S3Location.from_bucket(bucket, f"data/{name}/"),
                            s3_data_type=tasks.S3DataType.S3_PREFIX,
                            s3_data_distribution_type=tasks.S3DataDistributionType.FULLY_REPLICATED,
                        )
                    ),
                )
                for name in ("train", "validation")
            ],
            output_data_config=tasks.OutputDataConfig(
                s3_output_location=tasks.S3Location.from_bucket(bucket, "models/"), encryption_key=wf_key
            ),
            resource_config=tasks.ResourceConfig(
                instance_count=1,
                instance_type=ec2.InstanceType("m5.xlarge"),
                volume_size=cdk.Size.gibibytes(30),
                volume_encryption_key=wf_key,
            ),
            stopping_condition=tasks.StoppingCondition(max_runtime=cdk.Duration.hours(2)),
            vpc_config=tasks.VpcConfig(
                vpc=vpc, subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ),
            role=role,
        )
        log_group = logs.LogGroup(
            group, "ExecutionLogs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        sfn.StateMachine(
            group,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(task),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )


BUILDERS = {"tuning": add_tuning, "tuning-sdk": add_tuning_sdk, "training": add_training, "anchor": add_anchor}


def validation_violations(outdir: str) -> int | None:
    """Violations in aws-cdk-lib's validation report (written only when there are some)."""
    path = os.path.join(outdir, "validation-report.json")
    if not os.path.exists(path):
        return 0 if os.environ.get("CDK_VALIDATION") != "false" else None
    with open(path) as f:
        report = json.load(f)
    return sum(len(p.get("violations", [])) for p in report.get("pluginReports", []))


def main() -> None:
    kind, n, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if kind not in ("empty", "anchor"):
        import_ours()
    t_import, c_import, j_import, m_import = time.perf_counter(), time.process_time(), snapshot(), Counter(MEMBERS)
    shared = "--own" not in sys.argv
    context = {"@aws-cdk/core:stackResourceLimit": 0} if "--no-limit" in sys.argv else None
    app = cdk.App(outdir=outdir, context=context)
    stack = cdk.Stack(app, STACK, env=ENV, suppress_template_indentation="--compact" in sys.argv)
    if kind != "empty":
        BUILDERS[kind](stack, n, shared, "--shared-sg" in sys.argv)
    t_construct, c_construct, j_construct = time.perf_counter(), time.process_time(), snapshot()
    m_construct = Counter(MEMBERS)
    app.synth()
    t_synth, c_synth, j_synth = time.perf_counter(), time.process_time(), snapshot()
    print(
        json.dumps(
            {
                "import": t_import - T0,
                "construct": t_construct - t_import,
                "synth": t_synth - t_construct,
                "in_process": t_synth - T0,
                # CPU of this Python process alone (the Node child's is in the parent's rusage)
                "py_cpu_import": c_import - C0,
                "py_cpu_construct": c_construct - c_import,
                "py_cpu_synth": c_synth - c_construct,
                "jsii": {
                    "import": j_import,
                    "construct": delta(j_construct, j_import),
                    "synth": delta(j_synth, j_construct),
                },
                # calls and callbacks of the construct phase by member
                "jsii_members": dict((m_construct - m_import).most_common()),
                "validation": os.environ.get("CDK_VALIDATION") != "false",
                "validation_violations": validation_violations(outdir),
                "template": os.path.join(outdir, f"{STACK}.template.json"),
            }
        )
    )


if __name__ == "__main__":
    main()
