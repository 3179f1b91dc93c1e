"""The apps the benchmark synthesizes, one per subprocess.

    python benchmarks/apps.py KIND N OUTDIR [--own] [--shared-sg] [--no-limit] [--compact]

KIND is ``empty`` (the floor: one stack, nothing in it), ``tuning`` (N TuningWorkflows),
``training`` (N TrainingWorkflows, if constructs_sm exports it) or ``anchor`` (N aws-cdk-lib
``SageMakerCreateTrainingJob`` tasks, each in its own ``StateMachine``).

Every non-empty app has one stack holding one VPC (2 private isolated subnets), one
imported data bucket, and -- unless ``--own`` -- one SageMaker execution role and one KMS
key that all N workflows share. The job is the example app's XGBoost job (app.py): same
image, channels, output, instance, volume, max runtime, static hyperparameters, VPC
subnets, role and key for ours and for the anchor. Each workflow gets its own security
group in both libraries (the anchor always creates one; ours creates one when none is
given), its own log group (level ALL) and X-Ray tracing. ``--own`` gives every workflow
its own role and key (the libraries' defaults); ``--shared-sg`` gives our workflows one
shared security group (``VpcConfig(security_groups=[...])``; the anchor cannot share);
``--no-limit`` lifts CDK's 500-resource check (context ``@aws-cdk/core:stackResourceLimit``
= 0) so that identical settings can be timed at N = 100 in both libraries; ``--compact``
writes the template without indentation (``Stack(suppress_template_indentation=True)``).
KIND ``tuning-sdk`` is a TuningWorkflow with ``autotune=True``: the library's own
Wait/Describe/Choice polling design (aws-sdk integration, 1-minute interval).

Prints one JSON line: phase timings (seconds, measured inside the process) and where the
template was written.
"""

from __future__ import annotations

import json
import os
import sys
import time

T0 = time.perf_counter()

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_ec2 as ec2  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_stepfunctions as sfn  # noqa: E402
from aws_cdk import aws_stepfunctions_tasks as tasks  # noqa: E402
from constructs import Construct  # noqa: E402

# BENCH_LIBRARY_ROOT: measure constructs_sm (and app.py) from another checkout, e.g. a scratch copy.
ROOT = os.environ.get("BENCH_LIBRARY_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import constructs_sm as sm  # noqa: E402
from app import XGBOOST_IMAGE, xgboost_definition, xgboost_tuning  # noqa: E402

T_IMPORT = time.perf_counter()

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
    for i in range(n):
        sm.TuningWorkflow(
            stack,
            f"Tuning{i}",
            training_job_definition=definition,
            role=role,
            encryption_key=key,
            **tuning,  # type: ignore[arg-type]
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


def add_anchor(stack: cdk.Stack, n: int, shared: bool, shared_sg: bool) -> None:
    """aws-cdk-lib's own task with the same job, role, key and VPC; one state machine each."""
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    vpc = vpc_of(stack)
    role = sm.SageMakerExecutionRole(stack, "SharedRole") if shared else None
    key = sm.artifact_key(stack, "SharedKey") if shared else None
    for i in range(n):
        group = Construct(stack, f"Anchor{i}")
        wf_key = key if key is not None else sm.artifact_key(group, "Key")
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


def main() -> None:
    kind, n, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    shared = "--own" not in sys.argv
    context = {"@aws-cdk/core:stackResourceLimit": 0} if "--no-limit" in sys.argv else None
    app = cdk.App(outdir=outdir, context=context)
    stack = cdk.Stack(app, STACK, env=ENV, suppress_template_indentation="--compact" in sys.argv)
    if kind != "empty":
        BUILDERS[kind](stack, n, shared, "--shared-sg" in sys.argv)
    t_construct = time.perf_counter()
    app.synth()
    t_synth = time.perf_counter()
    print(
        json.dumps(
            {
                "import": T_IMPORT - T0,
                "construct": t_construct - T_IMPORT,
                "synth": t_synth - t_construct,
                "in_process": t_synth - T0,
                "template": os.path.join(outdir, f"{STACK}.template.json"),
            }
        )
    )


if __name__ == "__main__":
    main()
