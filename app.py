#!/usr/bin/env python3
"""The example app: a minimal and a hardened tuning workflow, spot training, multi-algorithm tuning,
and one tuning job per segment from an S3 list (a fan-out).

``cdk synth`` runs this file; tests build the same stacks with a pinned environment.
"""

from __future__ import annotations

import dataclasses
import os
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

import constructs_sm as sm

# The SageMaker XGBoost and Linear Learner images of us-east-1 (SageMaker developer guide, "Docker Registry Paths").
XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
LINEAR_LEARNER_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"


def xgboost_tuning(bucket: s3.IBucket) -> dict[str, object]:
    """The tuning job of both examples: XGBoost on CSV train/validation data, maximizing AUC."""
    return dict(
        hyper_parameter_tuning_job_config=sm.HyperParameterTuningJobConfig(
            strategy=sm.Strategy.BAYESIAN,
            objective=sm.TuningObjective(metric_name="validation:auc", type=sm.ObjectiveType.MAXIMIZE),
            resource_limits=sm.ResourceLimits(max_number_of_training_jobs=20, max_parallel_training_jobs=3),
            parameter_ranges=[
                sm.ContinuousParameterRange(
                    name="eta", min_value=0.01, max_value=0.5, scaling_type=sm.ScalingType.LOGARITHMIC
                ),
                sm.ContinuousParameterRange(name="min_child_weight", min_value=1, max_value=10),
                sm.IntegerParameterRange(name="max_depth", min_value=3, max_value=10),
                sm.CategoricalParameterRange(name="tree_method", values=["auto", "hist"]),
            ],
            training_job_early_stopping_type=sm.EarlyStoppingType.AUTO,
        ),
    )


def xgboost_definition(bucket: s3.IBucket, **hardening: object) -> sm.TrainingJobDefinition:
    return sm.TrainingJobDefinition(
        algorithm_specification=sm.AlgorithmSpecification(
            training_image=sm.TrainingImage.from_registry(XGBOOST_IMAGE),
            training_input_mode=sm.InputMode.FILE,
        ),
        static_hyper_parameters={"objective": "binary:logistic", "eval_metric": "auc", "num_round": "200"},
        input_data_config=[
            sm.Channel(
                channel_name=name,
                content_type="text/csv",
                data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(bucket, f"data/{name}/")),
            )
            for name in ("train", "validation")
        ],
        output_data_config=sm.S3Location.from_bucket(bucket, "models/"),
        resource_config=sm.ResourceConfig(
            instance_type="ml.m5.xlarge", instance_count=1, volume_size=cdk.Size.gibibytes(30)
        ),
        stopping_condition=sm.StoppingCondition(max_runtime=cdk.Duration.hours(2)),
        **hardening,  # type: ignore[arg-type]
    )


class MinimalTuningStack(cdk.Stack):
    """A tuning workflow with every default: new role, new key, no VPC."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = s3.Bucket.from_bucket_name(self, "Data", "example-ml-data")
        self.workflow = sm.TuningWorkflow(
            self,
            "XgboostTuning",
            training_job_definition=xgboost_definition(bucket),
            **xgboost_tuning(bucket),  # type: ignore[arg-type]
        )


class HardenedTuningStack(cdk.Stack):
    """Private isolated subnets, network isolation, inter-container encryption, warm start."""

    @property
    def availability_zones(self) -> list[str]:
        # The region's first two zones, resolved at deploy time: no context lookup, nothing hard-coded.
        return [cdk.Fn.select(i, cdk.Fn.get_azs()) for i in range(2)]

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = s3.Bucket.from_bucket_name(self, "Data", "example-ml-data")
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ],
            restrict_default_security_group=True,
        )
        vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        add_flow_logs(vpc)
        drop_redundant_depends_on(self)
        self.workflow = sm.TuningWorkflow(
            self,
            "HardenedTuning",
            job_name_prefix="hardened-xgb",
            training_job_definition=xgboost_definition(
                bucket,
                vpc_config=sm.VpcConfig(vpc=vpc),
                enable_network_isolation=True,
                enable_inter_container_traffic_encryption=True,
            ),
            warm_start_config=sm.WarmStartConfig(
                parent_tuning_job_names=["xgboost-tuning-baseline"],
                warm_start_type=sm.WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
            ),
            tags={"project": "churn-model", "data-classification": "confidential"},
            # One deployed workflow, many runs: the execution input may set these (the request's
            # values are the defaults), e.g. {"TrainDataUri": "s3://example-ml-data/data/train/2026-12/"}.
            run_time_parameters={
                "InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType",
                "MaxNumberOfTrainingJobs": "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
                "TrainDataUri": "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri",
            },
            # The best model, ready to deploy once approved: a SageMaker model and a model package
            # version (PendingManualApproval) in a group of its own.
            model_registration=sm.ModelRegistration(
                inference_instance_types=["ml.m5.large"], transform_instance_types=["ml.m5.xlarge"]
            ),
            **xgboost_tuning(bucket),  # type: ignore[arg-type]
        )
        # Told when a run fails, times out or is stopped; retuned every Monday at 03:00 in Paris.
        sm.WorkflowNotifications(self, "HardenedTuningAlerts", workflow=self.workflow)
        sm.WorkflowSchedule(
            self,
            "WeeklyTuning",
            workflow=self.workflow,
            schedule="cron(0 3 ? * MON *)",
            time_zone="Europe/Paris",
            description="Retunes the churn model every Monday at 03:00, Paris time",
            input={"MaxNumberOfTrainingJobs": 30},
        )


class SpotTrainingStack(cdk.Stack):
    """One XGBoost training job on spot capacity, resuming from S3 checkpoints, retried on internal errors."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = s3.Bucket.from_bucket_name(self, "Data", "example-ml-data")
        definition = dataclasses.replace(
            xgboost_definition(bucket),
            output_data_config=sm.OutputDataConfig(
                s3_output_path=sm.S3Location.from_bucket(bucket, "models/spot/"),
            ),
            stopping_condition=sm.StoppingCondition(
                max_runtime=cdk.Duration.hours(2), max_wait_time=cdk.Duration.hours(4)
            ),
            enable_managed_spot_training=True,
            checkpoint_config=sm.CheckpointConfig(
                s3_uri=sm.S3Location.from_bucket(bucket, "checkpoints/xgboost/"), local_path="/opt/ml/checkpoints"
            ),
            retry_strategy=sm.RetryStrategy(maximum_retry_attempts=2),
            environment={"SM_LOG_LEVEL": "20"},
        )
        self.workflow = sm.TrainingWorkflow(
            self,
            "SpotTraining",
            job_name_prefix="spot-xgb",
            training_job_definition=definition,
            tags={"project": "churn-model"},
        )


class SegmentTuningStack(cdk.Stack):
    """One tuning job per customer segment, from one execution: a Distributed Map over a JSON Lines
    list in S3, each line the run-time parameters of one segment's job."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = s3.Bucket.from_bucket_name(self, "Data", "example-ml-data")
        self.workflow = sm.TuningWorkflow(
            self,
            "SegmentTuning",
            job_name_prefix="segment-xgb",
            training_job_definition=xgboost_definition(bucket),
            run_time_parameters={
                "TrainDataUri": "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri",
                "ValidationDataUri": "TrainingJobDefinition.InputDataConfig[1].DataSource.S3DataSource.S3Uri",
                "MaxNumberOfTrainingJobs": "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
            },
            **xgboost_tuning(bucket),  # type: ignore[arg-type]
        )
        # {"ItemsKey": "segments/2026-12.jsonl"} tunes one model per line, e.g.
        # {"TrainDataUri": "s3://example-ml-data/data/train/segment=0042/",
        #  "ValidationDataUri": "s3://example-ml-data/data/validation/segment=0042/"}
        self.fan_out = sm.WorkflowFanOut(
            self,
            "EverySegment",
            workflow=self.workflow,
            items=sm.S3Location.from_bucket(bucket, "segments/"),
            item_format=sm.ItemFormat.JSONL,
            tolerated_failure_percentage=5,
        )


def drop_redundant_depends_on(stack: cdk.Stack) -> None:
    """No DependsOn from restrict_default_security_group's handler to its role: its Role (a GetAtt) orders it.

    aws-cdk-lib's custom resource provider adds both (cfn-lint W3005); the role's policy is inline,
    so the GetAtt alone creates the function after the role and its permissions.
    """
    provider = stack.node.find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
    handler, role = (cast(cdk.CfnResource, provider.node.find_child(id)) for id in ("Handler", "Role"))
    # remove_dependency, deprecated since, in older aws-cdk-lib releases.
    getattr(handler, "remove_resource_dependency", handler.remove_dependency)(role)


def add_flow_logs(vpc: ec2.Vpc) -> None:
    """Flow logs of every interface to a KMS-encrypted log group kept for a year.

    The role has one managed policy scoped to the log group ("IAM role for publishing flow logs to
    CloudWatch Logs", VPC User Guide); the key policy lets CloudWatch Logs use the key ("Encrypt log
    data in CloudWatch Logs using AWS KMS", CloudWatch Logs User Guide).
    """
    scope = cdk.Stack.of(vpc)
    key = kms.Key(vpc, "FlowLogsKey", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{scope.region}.amazonaws.com")],
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{scope.partition}:logs:{scope.region}:{scope.account}:log-group:*"
                }
            },
        )
    )
    log_group = logs.LogGroup(
        vpc,
        "FlowLogs",
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=cdk.RemovalPolicy.RETAIN,
        encryption_key=key,
    )
    policy = iam.ManagedPolicy(
        vpc,
        "FlowLogsPolicy",
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        ],
    )
    role = iam.Role(
        vpc, "FlowLogsRole", assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"), managed_policies=[policy]
    )
    vpc.add_flow_log(
        "FlowLog",
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group, role.without_policy_updates()),
    )


class MultiAlgorithmTuningStack(cdk.Stack):
    """One tuning job over two algorithms (TrainingJobDefinitions), each with its objective and ranges;
    XGBoost trains on spot capacity, Linear Learner picks among instance types."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = s3.Bucket.from_bucket_name(self, "Data", "example-ml-data")
        maximize = sm.ObjectiveType.MAXIMIZE
        xgboost = dataclasses.replace(
            xgboost_definition(bucket),
            definition_name="xgboost",
            tuning_objective=sm.TuningObjective(metric_name="validation:auc", type=maximize),
            hyper_parameter_ranges=[
                sm.ContinuousParameterRange(
                    name="eta", min_value=0.01, max_value=0.5, scaling_type=sm.ScalingType.LOGARITHMIC
                ),
                sm.IntegerParameterRange(name="max_depth", min_value=3, max_value=10),
            ],
            stopping_condition=sm.StoppingCondition(
                max_runtime=cdk.Duration.hours(2), max_wait_time=cdk.Duration.hours(3)
            ),
            enable_managed_spot_training=True,
            checkpoint_config=sm.CheckpointConfig(s3_uri=sm.S3Location.from_bucket(bucket, "checkpoints/tuning/")),
        )
        linear_learner = dataclasses.replace(
            xgboost_definition(bucket),
            algorithm_specification=sm.AlgorithmSpecification(
                training_image=sm.TrainingImage.from_registry(LINEAR_LEARNER_IMAGE)
            ),
            static_hyper_parameters={"predictor_type": "binary_classifier"},
            definition_name="linear-learner",
            tuning_objective=sm.TuningObjective(metric_name="validation:binary_classification_accuracy", type=maximize),
            hyper_parameter_ranges=[
                sm.ContinuousParameterRange(
                    name="learning_rate", min_value=0.0001, max_value=1.0, scaling_type=sm.ScalingType.LOGARITHMIC
                ),
                sm.IntegerParameterRange(name="mini_batch_size", min_value=100, max_value=1000),
            ],
            resource_config=None,
            hyper_parameter_tuning_resource_config=sm.HyperParameterTuningResourceConfig(
                instance_configs=[
                    sm.HyperParameterTuningInstanceConfig(instance_type="ml.m5.xlarge"),
                    sm.HyperParameterTuningInstanceConfig(instance_type="ml.c5.xlarge"),
                ]
            ),
            retry_strategy=sm.RetryStrategy(maximum_retry_attempts=1),
        )
        self.workflow = sm.TuningWorkflow(
            self,
            "MultiAlgorithmTuning",
            job_name_prefix="multi-algo",
            hyper_parameter_tuning_job_config=sm.HyperParameterTuningJobConfig(
                strategy=sm.Strategy.BAYESIAN,
                resource_limits=sm.ResourceLimits(
                    max_number_of_training_jobs=20, max_parallel_training_jobs=4, max_runtime=cdk.Duration.hours(12)
                ),
                tuning_job_completion_criteria=sm.TuningJobCompletionCriteria(
                    best_objective_not_improving=sm.BestObjectiveNotImproving(
                        max_number_of_training_jobs_not_improving=5
                    )
                ),
                random_seed=42,
            ),
            training_job_definitions=[xgboost, linear_learner],
        )


def build_app(app: cdk.App, env: cdk.Environment) -> list[cdk.Stack]:
    return [
        MinimalTuningStack(app, "MinimalTuning", env=env),
        HardenedTuningStack(app, "HardenedTuning", env=env),
        SpotTrainingStack(app, "SpotTraining", env=env),
        MultiAlgorithmTuningStack(app, "MultiAlgorithmTuning", env=env),
        SegmentTuningStack(app, "SegmentTuning", env=env),
    ]


if __name__ == "__main__":
    app = cdk.App()
    build_app(
        app,
        cdk.Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
            region=os.environ.get("CDK_DEFAULT_REGION", "us-east-1"),
        ),
    )
    app.synth()
