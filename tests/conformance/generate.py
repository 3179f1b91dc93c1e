"""Regenerate the SageMaker conformance corpus from the SageMaker Python SDK 2.x.

Run with the SDK venv (see README.md):

    /tmp/sdkvenv/bin/python tests/conformance/generate.py

Each case builds an estimator / tuner the way SDK users write them, calls
``fit()`` (or ``HyperparameterTuner.create(...).fit()``) against a mocked boto
client, and records the exact keyword arguments the SDK passed to
``create_training_job`` / ``create_hyper_parameter_tuning_job``. Nothing leaves
this machine: telemetry is opted out, and any socket connection raises.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from pathlib import Path
from unittest.mock import MagicMock, patch

# WarmStartConfig keeps parents in a set, so their order in the request follows
# str hashing; pin it so the output is byte-identical on every run.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import checks  # noqa: E402


def _no_network(*_args, **_kwargs):
    raise RuntimeError("conformance generator must run offline")


# Dummy credentials: some SDK constructors build their own boto3 clients, which
# would otherwise walk the credential chain (and probe EC2 instance metadata).
os.environ.update(
    AWS_ACCESS_KEY_ID="x",
    AWS_SECRET_ACCESS_KEY="x",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
    SAGEMAKER_SUPPRESS_V2_WARNING="1",
)
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_var, None)
socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.create_connection = _no_network  # type: ignore[assignment]

import boto3  # noqa: E402
import sagemaker  # noqa: E402
from sagemaker import image_uris  # noqa: E402
from sagemaker.debugger import (  # noqa: E402
    DebuggerHookConfig,
    ProfilerConfig,
    Rule,
    TensorBoardOutputConfig,
    rule_configs,
)
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.inputs import TrainingInput  # noqa: E402
from sagemaker.pytorch import PyTorch  # noqa: E402
from sagemaker.tuner import (  # noqa: E402
    CategoricalParameter,
    ContinuousParameter,
    HyperbandStrategyConfig,
    HyperparameterTuner,
    InstanceConfig,
    IntegerParameter,
    StrategyConfig,
    TuningJobCompletionCriteriaConfig,
    WarmStartConfig,
    WarmStartTypes,
)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
BUCKET = "example-ml-data"
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
SECURITY_GROUPS = ["sg-0123456789abcdef0"]
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SOURCE_TARBALL = f"s3://{BUCKET}/code/sourcedir.tar.gz"  # already in S3: no upload
XGB_IMAGE = image_uris.retrieve("xgboost", REGION, version="1.7-1")
PT_ARGS = {"framework_version": "2.1", "py_version": "py310"}
PT_METRICS = [
    {"Name": "validation:accuracy", "Regex": "val_acc=([0-9\\.]+)"},
    {"Name": "train:loss", "Regex": "train_loss=([0-9\\.]+)"},
]
CASES = []
for _logger in ("sagemaker", "sagemaker.config"):
    logging.getLogger(_logger).setLevel(logging.ERROR)


def case(operation: str, description: str):
    def register(fn):
        CASES.append((fn.__name__.replace("_", "-"), operation, description, fn))
        return fn

    return register


def new_session() -> sagemaker.Session:
    boto_session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    return sagemaker.Session(
        boto_session=boto_session,
        sagemaker_client=MagicMock(),
        default_bucket=BUCKET,
        sagemaker_config=config,
    )


def data(*channels: str) -> dict:
    return {c: f"s3://{BUCKET}/data/{c}/" for c in channels}


def csv_data(*channels: str) -> dict:
    return {c: TrainingInput(uri, content_type="text/csv") for c, uri in data(*channels).items()}


def xgboost(session, **kwargs) -> Estimator:
    kwargs.setdefault("instance_count", 1)
    kwargs.setdefault("instance_type", "ml.m5.xlarge")
    est = Estimator(
        image_uri=XGB_IMAGE,
        role=ROLE,
        output_path=f"s3://{BUCKET}/output/",
        sagemaker_session=session,
        **kwargs,
    )
    est.set_hyperparameters(objective="binary:logistic", num_round=100)
    return est


def pytorch(session, **kwargs) -> PyTorch:
    kwargs.setdefault("instance_type", "ml.g5.xlarge")
    return PyTorch(
        entry_point="train.py",
        source_dir=SOURCE_TARBALL,
        role=ROLE,
        instance_count=1,
        output_path=f"s3://{BUCKET}/output/",
        sagemaker_session=session,
        hyperparameters={"epochs": 10, "batch-size": 64},
        **PT_ARGS,
        **kwargs,
    )


XGB_RANGES = {
    "eta": ContinuousParameter(0.01, 0.3),
    "max_depth": IntegerParameter(3, 10),
    "min_child_weight": ContinuousParameter(1, 10, scaling_type="Logarithmic"),
}


def xgb_tuner(session, estimator=None, **kwargs) -> HyperparameterTuner:
    kwargs.setdefault("max_jobs", 20)
    kwargs.setdefault("max_parallel_jobs", 2)
    return HyperparameterTuner(
        estimator or xgboost(session),
        objective_metric_name="validation:auc",
        hyperparameter_ranges=XGB_RANGES,
        **kwargs,
    )


# --------------------------------------------------------------------- tuning


@case("CreateHyperParameterTuningJob", "Built-in XGBoost, Bayesian, continuous + integer ranges")
def tuning_xgboost_bayesian(s):
    xgb_tuner(s, strategy="Bayesian").fit(csv_data("train", "validation"), job_name="xgb-bayes-001", wait=False)


@case("CreateHyperParameterTuningJob", "PyTorch script-mode estimator with metric_definitions, Minimize")
def tuning_pytorch_metrics(s):
    HyperparameterTuner(
        pytorch(s),
        objective_metric_name="train:loss",
        objective_type="Minimize",
        metric_definitions=PT_METRICS,
        hyperparameter_ranges={
            "lr": ContinuousParameter(1e-5, 1e-2, scaling_type="Logarithmic"),
            "batch-size": CategoricalParameter([32, 64, 128]),
        },
        max_jobs=12,
        max_parallel_jobs=3,
    ).fit(data("training", "validation"), job_name="pt-tune-001", wait=False)


@case("CreateHyperParameterTuningJob", "Hyperband strategy with HyperbandStrategyConfig min/max resource")
def tuning_hyperband(s):
    config = StrategyConfig(HyperbandStrategyConfig(min_resource=1, max_resource=30))
    xgb_tuner(s, strategy="Hyperband", strategy_config=config, max_jobs=30).fit(
        csv_data("train", "validation"), job_name="xgb-hyperband-001", wait=False
    )


@case("CreateHyperParameterTuningJob", "Random search with a fixed random_seed")
def tuning_random_seed(s):
    xgb_tuner(s, strategy="Random", random_seed=42).fit(
        csv_data("train", "validation"), job_name="xgb-random-001", wait=False
    )


@case("CreateHyperParameterTuningJob", "Grid search over categorical ranges only (max_jobs = 3*2 combinations)")
def tuning_grid_categorical(s):
    HyperparameterTuner(
        xgboost(s),
        objective_metric_name="validation:auc",
        hyperparameter_ranges={
            "max_depth": CategoricalParameter([4, 6, 8]),
            "booster": CategoricalParameter(["gbtree", "dart"]),
        },
        strategy="Grid",
        max_jobs=6,  # with None the SDK sends MaxNumberOfTrainingJobs=null, which boto3 rejects
        max_parallel_jobs=2,
    ).fit(csv_data("train", "validation"), job_name="xgb-grid-001", wait=False)


@case("CreateHyperParameterTuningJob", "Warm start IdenticalDataAndAlgorithm from two parent tuning jobs")
def tuning_warm_start_identical(s):
    warm = WarmStartConfig(WarmStartTypes.IDENTICAL_DATA_AND_ALGORITHM, parents={"xgb-bayes-001", "xgb-random-001"})
    xgb_tuner(s, warm_start_config=warm).fit(csv_data("train", "validation"), job_name="xgb-warm-idem-001", wait=False)


@case("CreateHyperParameterTuningJob", "Warm start TransferLearning, PyTorch, max_runtime_in_seconds")
def tuning_warm_start_transfer(s):
    HyperparameterTuner(
        pytorch(s),
        objective_metric_name="validation:accuracy",
        metric_definitions=PT_METRICS,
        hyperparameter_ranges={"lr": ContinuousParameter(1e-4, 1e-2)},
        warm_start_config=WarmStartConfig(WarmStartTypes.TRANSFER_LEARNING, parents={"pt-tune-001"}),
        max_jobs=10,
        max_parallel_jobs=2,
        max_runtime_in_seconds=4 * 3600,
    ).fit(data("training", "validation"), job_name="pt-warm-tl-001", wait=False)


@case("CreateHyperParameterTuningJob", "HyperparameterTuner.create with two estimators (XGBoost + PyTorch)")
def tuning_multi_algorithm(s):
    tuner = HyperparameterTuner.create(
        estimator_dict={"xgboost": xgboost(s), "pytorch": pytorch(s)},
        objective_metric_name_dict={"xgboost": "validation:auc", "pytorch": "validation:accuracy"},
        hyperparameter_ranges_dict={
            "xgboost": {"eta": ContinuousParameter(0.01, 0.3), "max_depth": IntegerParameter(3, 10)},
            "pytorch": {"lr": ContinuousParameter(1e-5, 1e-2, scaling_type="Logarithmic")},
        },
        metric_definitions_dict={"pytorch": PT_METRICS},
        strategy="Bayesian",
        max_jobs=20,
        max_parallel_jobs=4,
    )
    tuner.fit(
        inputs={"xgboost": csv_data("train", "validation"), "pytorch": data("training", "validation")},
        include_cls_metadata={},  # the default (False) is rejected for estimator_dict tuners
        job_name="multi-algo-001",
        wait=False,
    )


@case("CreateHyperParameterTuningJob", "Managed spot training with checkpoint_s3_uri and max_wait, inside a tuner")
def tuning_spot_checkpoint(s):
    est = xgboost(
        s,
        use_spot_instances=True,
        max_run=3600,
        max_wait=7200,
        checkpoint_s3_uri=f"s3://{BUCKET}/checkpoints/xgb-spot/",
    )
    xgb_tuner(s, est).fit(csv_data("train", "validation"), job_name="xgb-spot-001", wait=False)


@case("CreateHyperParameterTuningJob", "VPC, network isolation, inter-container encryption, KMS keys")
def tuning_secure_network(s):
    est = xgboost(
        s,
        instance_count=2,
        subnets=SUBNETS,
        security_group_ids=SECURITY_GROUPS,
        enable_network_isolation=True,
        encrypt_inter_container_traffic=True,
        output_kms_key=KMS_KEY,
        volume_kms_key=KMS_KEY,
    )
    xgb_tuner(s, est).fit(csv_data("train", "validation"), job_name="xgb-secure-001", wait=False)


@case("CreateHyperParameterTuningJob", "Environment variables, max_retry_attempts, and tags on the tuner")
def tuning_env_retry_tags(s):
    est = xgboost(s, environment={"LOG_LEVEL": "debug", "OMP_NUM_THREADS": "4"}, max_retry_attempts=3)
    tags = [{"Key": "project", "Value": "churn"}, {"Key": "cost-center", "Value": "ml-42"}]
    xgb_tuner(s, est, tags=tags).fit(csv_data("train", "validation"), job_name="xgb-env-retry-001", wait=False)


@case("CreateHyperParameterTuningJob", "Completion criteria (target/convergence/not-improving) + early stopping Auto")
def tuning_completion_early_stopping(s):
    criteria = TuningJobCompletionCriteriaConfig(
        max_number_of_training_jobs_not_improving=5,
        complete_on_convergence=True,
        target_objective_metric_value=0.95,
    )
    xgb_tuner(s, completion_criteria_config=criteria, early_stopping_type="Auto", max_jobs=50).fit(
        csv_data("train", "validation"), job_name="xgb-complete-001", wait=False
    )


@case("CreateHyperParameterTuningJob", "override_resource_config: InstanceConfigs fallback list")
def tuning_instance_configs(s):
    tuner = xgb_tuner(s)
    tuner.override_resource_config(
        instance_configs=[
            InstanceConfig(instance_count=1, instance_type="ml.m5.xlarge", volume_size=30),
            InstanceConfig(instance_count=1, instance_type="ml.m5.2xlarge", volume_size=50),
        ]
    )
    tuner.fit(csv_data("train", "validation"), job_name="xgb-instcfg-001", wait=False)


# ------------------------------------------------------------------- training


@case("CreateTrainingJob", "Plain built-in XGBoost Estimator.fit (SDK adds DebugHookConfig + ProfilerConfig)")
def training_xgboost_plain(s):
    xgboost(s).fit(csv_data("train", "validation"), job_name="xgb-train-001", wait=False, logs=False)


@case("CreateTrainingJob", "PyTorch Estimator.fit with debugger rules, hook config and TensorBoard output")
def training_pytorch_debugger(s):
    est = pytorch(
        s,
        rules=[
            Rule.sagemaker(rule_configs.vanishing_gradient()),
            Rule.sagemaker(rule_configs.loss_not_decreasing()),
        ],
        debugger_hook_config=DebuggerHookConfig(
            s3_output_path=f"s3://{BUCKET}/debug/", hook_parameters={"save_interval": "100"}
        ),
        tensorboard_output_config=TensorBoardOutputConfig(s3_output_path=f"s3://{BUCKET}/tensorboard/"),
        metric_definitions=PT_METRICS,
    )
    est.fit(data("training"), job_name="pt-debug-001", wait=False, logs=False)


@case("CreateTrainingJob", "PyTorch spot training, checkpoints, VPC, KMS, env, retries, tags, profiler off")
def training_pytorch_everything(s):
    est = pytorch(
        s,
        instance_type="ml.p3.2xlarge",
        use_spot_instances=True,
        max_run=86400,
        max_wait=86400 + 3600,
        checkpoint_s3_uri=f"s3://{BUCKET}/checkpoints/pt/",
        subnets=SUBNETS,
        security_group_ids=SECURITY_GROUPS,
        encrypt_inter_container_traffic=True,
        output_kms_key=KMS_KEY,
        volume_kms_key=KMS_KEY,
        volume_size=100,
        environment={"NCCL_DEBUG": "INFO"},
        max_retry_attempts=2,
        tags=[{"Key": "team", "Value": "vision"}],
        disable_profiler=True,
    )
    est.fit(data("training", "validation"), job_name="pt-spot-vpc-001", wait=False, logs=False)


@case("CreateTrainingJob", "XGBoost with network isolation, File/Pipe inputs and a custom ProfilerConfig")
def training_xgboost_isolated(s):
    est = xgboost(
        s,
        enable_network_isolation=True,
        input_mode="Pipe",
        profiler_config=ProfilerConfig(s3_output_path=f"s3://{BUCKET}/profiler/", system_monitor_interval_millis=500),
    )
    inputs = {
        "train": TrainingInput(f"s3://{BUCKET}/data/train/", content_type="text/csv", distribution="ShardedByS3Key"),
        "validation": TrainingInput(f"s3://{BUCKET}/data/validation/", content_type="text/csv", input_mode="File"),
    }
    est.fit(inputs, job_name="xgb-isolated-001", wait=False, logs=False)


@case("CreateTrainingJob", "PyTorch with enable_network_isolation=True (code delivered as a 'code' channel)")
def training_pytorch_isolated(s):
    est = pytorch(s, instance_type="ml.c5.2xlarge", enable_network_isolation=True)
    est.fit(data("training"), job_name="pt-isolated-001", wait=False, logs=False)


# ------------------------------------------------------------------ recording


def _jsonable(value):
    """Deterministic conversion of the few non-JSON values the SDK may send."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"unexpected {type(value).__name__} in request: {value!r}")


def record(fn, operation: str) -> dict:
    session = new_session()
    with patch("sagemaker.telemetry.telemetry_logging._send_telemetry_request"):
        fn(session)
    method = {
        "CreateTrainingJob": session.sagemaker_client.create_training_job,
        "CreateHyperParameterTuningJob": session.sagemaker_client.create_hyper_parameter_tuning_job,
    }[operation]
    if method.call_count != 1:
        raise AssertionError(f"{fn.__name__}: expected one {operation} call, got {method.call_count}")
    return _jsonable(method.call_args.kwargs)


def main() -> int:
    model = checks.load_model()
    bodies = {}
    for name, operation, description, fn in CASES:  # record everything before touching files
        bodies[name] = {
            "operation": operation,
            "description": description,
            "sdk_version": sagemaker.__version__,
            "request": record(fn, operation),
        }
    checks.CASES_DIR.mkdir(exist_ok=True)
    for stale in checks.CASES_DIR.glob("*.json"):
        stale.unlink()
    failures = 0
    for name, body in bodies.items():
        text = json.dumps(body, sort_keys=True, indent=2) + "\n"
        (checks.CASES_DIR / f"{name}.json").write_text(text)
        found = checks.problems(model, body["operation"], body["request"])
        failures += bool(found)
        print(f"{'FAIL' if found else 'ok  '} {name} ({body['operation']})")
        for problem in found:
            print("     ", problem)
    print(f"{len(bodies)} cases, sagemaker {sagemaker.__version__}, {failures} failing botocore checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
