"""Write the hostile request files of tests/test_hostile.py into tests/hostile/cases/.

Each case starts from a valid example request (examples/requests/) and breaks one thing. Beside
the files: EXPECTED.json (file name -> a substring the error message must contain: the JSON path
or the file it names) and ARGS.json (file name -> extra CLI arguments, for the few that need
``--use-request-role``). The 50 MB case is written at test time, not here.

Run: ``python tests/hostile/make_cases.py`` (it replaces the folder's contents).
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CASES = HERE / "cases"
REQUESTS = HERE.parent.parent / "examples" / "requests"

_BASES = {
    "current": "create-hyper-parameter-tuning-job.json",
    "multi": "create-hyper-parameter-tuning-job-multi.json",
    "preview": "create-tuning-job-preview.json",
    "boto3": "create-tuning-job-boto3.json",
    "training": "create-training-job.json",
}
OTHER_ROLE = "arn:aws:iam::999999999999:role/SomeoneElsesRole"
ACCOUNT = ["--account", "123456789012"]
# Written as raw JSON text in place of this string: numbers json.dumps cannot write.
_RAW = "@@raw@@"


def base(name: str) -> dict[str, Any]:
    """A fresh copy of one example request."""
    loaded: dict[str, Any] = json.loads((REQUESTS / _BASES[name]).read_text())
    return copy.deepcopy(loaded)


def text(request: Any, *, ascii_only: bool = False) -> bytes:
    """The request as a file; ``_RAW + "1e400"`` strings become the raw number 1e400."""
    dumped = json.dumps(request, indent=1, ensure_ascii=ascii_only)
    for piece in sorted(set(_raw_pieces(dumped)), key=len, reverse=True):
        dumped = dumped.replace(json.dumps(_RAW + piece), piece)
    return dumped.encode("utf-8")


def _raw_pieces(dumped: str) -> list[str]:
    pieces = []
    start = dumped.find(_RAW)
    while start != -1:
        end = dumped.index('"', start)
        pieces.append(dumped[start + len(_RAW) : end])
        start = dumped.find(_RAW, end)
    return pieces


def raw(number: str) -> str:
    return _RAW + number


def changed(name: str, change: Callable[[dict[str, Any]], Any]) -> bytes:
    """An example request with ``change`` applied (it edits the request in place)."""
    request = base(name)
    change(request)
    return text(request)


def setting(name: str, path: str, value: Any) -> bytes:
    """An example request with the field at ``path`` (dots; ``[n]`` for list items) set to ``value``."""
    return changed(name, lambda request: _set(request, path, value))


def _set(request: dict[str, Any], path: str, value: Any) -> None:
    parts: list[Any] = []
    for part in path.split("."):
        while "[" in part:
            head, _, rest = part.partition("[")
            if head:
                parts.append(head)
            index, _, part = rest.partition("]")
            parts.append(int(index))
        if part:
            parts.append(part)
    node: Any = request
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def replacing(name: str, old: str, new: str) -> bytes:
    """An example request's text with ``old`` (present exactly once) replaced by ``new``."""
    original = text(base(name)).decode()
    assert original.count(old) == 1, (name, old)
    return original.replace(old, new).encode("utf-8")


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def cases() -> dict[str, tuple[str, bytes, str]]:
    """name -> (kind, file content, substring the message must contain)."""
    found: dict[str, tuple[str, bytes, str]] = {}

    def case(kind: str, name: str, content: bytes, named: str | None = None) -> None:
        file = f"{kind}--{name}.json"
        assert file not in found
        found[file] = (kind, content, named or file)

    tj = "TrainingJobDefinition"
    cfg = "HyperParameterTuningJobConfig"
    s3 = "DataSource.S3DataSource.S3Uri"
    current_text = text(base("current")).decode()

    # Invalid JSON: the message names the file.
    case("invalid-json", "truncated", current_text[: len(current_text) // 2].encode())
    case("invalid-json", "trailing-comma", (current_text.rstrip()[:-1] + ",}").encode())
    case("invalid-json", "single-quotes", b"{'HyperParameterTuningJobName': 'x'}")
    case("invalid-json", "comment", ("// a comment\n" + current_text).encode())
    case("invalid-json", "two-objects", (current_text + current_text).encode())
    case("invalid-json", "raw-control-character", replacing("current", '"churn-xgb"', '"churn\x01xgb"'))
    case("invalid-json", "unquoted-key", b"{HyperParameterTuningJobName: 1}")
    case("invalid-json", "utf8-bom", b"\xef\xbb\xbf" + current_text.encode())

    # Not UTF-8.
    case(
        "non-utf8", "latin1-name", replacing("current", '"churn-xgb"', '"churn-xgb-caf\xe9"').decode().encode("latin-1")
    )
    case("non-utf8", "utf16", current_text.encode("utf-16"))
    case(
        "non-utf8",
        "overlong-slash",
        current_text.replace("churn-xgb", "churn\x00xgb").encode().replace(b"\x00", b"\xc0\xaf"),
    )
    case(
        "non-utf8",
        "cesu-surrogate",
        current_text.replace("churn-xgb", "churn\x00xgb").encode().replace(b"\x00", b"\xed\xa0\x80"),
    )
    case(
        "non-utf8",
        "lone-continuation",
        current_text.encode().replace(b"s3://example-ml-data/data/train/", b"s3://example-ml-data/\x80/"),
    )

    # Empty.
    case("empty", "zero-bytes", b"")
    case("empty", "whitespace", b" \n\t\r\n")
    case("empty", "newlines", b"\n\n\n")

    # Not an object at the top level.
    case("top-level", "array-of-request", b"[" + current_text.encode() + b"]")
    case("top-level", "empty-array", b"[]")
    case("top-level", "string", b'"HyperParameterTuningJobName"')
    case("top-level", "number", b"42")
    case("top-level", "null", b"null")
    case("top-level", "true", b"true")

    # Deep nesting: caught before the parser recurses.
    case("deep", "arrays-10000", nested(10_000).encode())
    case("deep", "objects-10000", ('{"a":' * 10_000 + "1" + "}" * 10_000).encode())
    case("deep", "unknown-field-700", replacing("current", '"Tags": [', f'"Unknown": {nested(700)},\n "Tags": ['))
    case("deep", "static-hyperparameter-65", replacing("current", '"num_round": "200"', f'"num_round": {nested(65)}'))
    case(
        "deep",
        "training-environment-100",
        replacing("training", '"SM_LOG_LEVEL": "20"', f'"SM_LOG_LEVEL": {nested(100)}'),
    )

    # Wrong types.
    case(
        "wrong-type",
        "max-jobs-string",
        setting("current", f"{cfg}.ResourceLimits.MaxNumberOfTrainingJobs", "20"),
        f"{cfg}.ResourceLimits.MaxNumberOfTrainingJobs",
    )
    case("wrong-type", "strategy-number", setting("current", f"{cfg}.Strategy", 5), f"{cfg}.Strategy")
    case("wrong-type", "definition-list", setting("current", tj, [base("current")[tj]]), tj)
    case("wrong-type", "channels-object", setting("training", "InputDataConfig", {"train": {}}), "InputDataConfig")
    case("wrong-type", "tags-object", setting("current", "Tags", {"project": "churn-model"}), "Tags")
    case(
        "wrong-type",
        "isolation-string",
        setting("current", f"{tj}.EnableNetworkIsolation", "true"),
        f"{tj}.EnableNetworkIsolation",
    )
    case(
        "wrong-type",
        "hyperparameter-number",
        setting("training", "HyperParameters.num_round", 200),
        "HyperParameters.num_round",
    )
    case(
        "wrong-type",
        "instance-count-float",
        setting("training", "ResourceConfig.InstanceCount", 1.5),
        "ResourceConfig.InstanceCount",
    )
    case(
        "wrong-type",
        "preview-limits-bool",
        setting("preview", "TuningJobConfig.ResourceLimits.MaxParallelTrainingJobs", True),
        "MaxParallelTrainingJobs",
    )

    # null values.
    case("null", "role-arn", setting("current", f"{tj}.RoleArn", None), f"{tj}.RoleArn")
    case("null", "definition", setting("current", tj, None), tj)
    case("null", "s3-uri", setting("training", f"InputDataConfig[0].{s3}", None), f"InputDataConfig[0].{s3}")
    case("null", "tag-item", setting("current", "Tags", [None]), "Tags[0]")
    case(
        "null", "hyperparameter-value", setting("boto3", f"{tj}.StaticHyperParameters.feature_dim", None), "feature_dim"
    )

    # NaN and Infinity (json.loads takes them by default).
    multi_target = f"{cfg}.TuningJobCompletionCriteria.TargetObjectiveMetricValue"
    case("nan-infinity", "nan-target", setting("multi", multi_target, raw("NaN")), multi_target)
    case(
        "nan-infinity",
        "infinity-runtime",
        setting("training", "StoppingCondition.MaxRuntimeInSeconds", raw("Infinity")),
        "StoppingCondition.MaxRuntimeInSeconds",
    )
    case(
        "nan-infinity",
        "minus-infinity-volume",
        setting("current", f"{tj}.ResourceConfig.VolumeSizeInGB", raw("-Infinity")),
        f"{tj}.ResourceConfig.VolumeSizeInGB",
    )
    case(
        "nan-infinity",
        "nan-preview-limits",
        setting("preview", "TuningJobConfig.ResourceLimits.MaxClockTimeInHours", raw("NaN")),
        "TuningJobConfig.ResourceLimits.MaxClockTimeInHours",
    )

    # Numbers beyond 64 bits, and floats that overflow.
    limits = f"{cfg}.ResourceLimits"
    case(
        "huge-number",
        "2-pow-64",
        setting("current", f"{limits}.MaxNumberOfTrainingJobs", 2**64),
        f"{limits}.MaxNumberOfTrainingJobs",
    )
    case(
        "huge-number",
        "minus-2-pow-64",
        setting("training", "ResourceConfig.VolumeSizeInGB", -(2**64)),
        "ResourceConfig.VolumeSizeInGB",
    )
    case(
        "huge-number",
        "5000-digits",
        setting("training", "RetryStrategy.MaximumRetryAttempts", raw("9" * 5000)),
        "RetryStrategy.MaximumRetryAttempts",
    )
    case("huge-number", "1e400-target", setting("multi", multi_target, raw("1e400")), multi_target)
    case(
        "huge-number",
        "1e400-runtime",
        setting("current", f"{tj}.StoppingCondition.MaxRuntimeInSeconds", raw("1e400")),
        f"{tj}.StoppingCondition.MaxRuntimeInSeconds",
    )
    case(
        "huge-number",
        "2-pow-64-written-as-float",
        setting("current", f"{limits}.MaxParallelTrainingJobs", raw("18446744073709552000.0")),
        f"{limits}.MaxParallelTrainingJobs",
    )

    # 32-bit integer fields given 2**31 (within 64 bits: the library's check).
    case(
        "int32",
        "max-jobs",
        setting("current", f"{limits}.MaxNumberOfTrainingJobs", 2**31),
        f"{limits}.MaxNumberOfTrainingJobs",
    )
    case(
        "int32",
        "volume-size",
        setting("training", "ResourceConfig.VolumeSizeInGB", 2**31),
        "ResourceConfig.VolumeSizeInGB",
    )
    case("int32", "random-seed", setting("multi", f"{cfg}.RandomSeed", 2**31), f"{cfg}.RandomSeed")
    case(
        "int32",
        "instance-count-negative",
        setting("training", "ResourceConfig.InstanceCount", -(2**31) - 1),
        "ResourceConfig.InstanceCount",
    )

    # Unicode and control characters in names and URIs.
    case(
        "unicode",
        "nul-in-job-name",
        setting("current", "HyperParameterTuningJobName", "churn\x00xgb"),
        "HyperParameterTuningJobName",
    )
    case("unicode", "emoji-job-name", setting("training", "TrainingJobName", "churn-\U0001f525"), "TrainingJobName")
    case(
        "unicode",
        "newline-channel-name",
        setting("training", "InputDataConfig[0].ChannelName", "train\nx"),
        "InputDataConfig[0].ChannelName",
    )
    case(
        "unicode",
        "bell-in-s3-uri",
        setting("current", f"{tj}.InputDataConfig[0].{s3}", "s3://example-ml-data/data/\x07train/"),
        f"{tj}.InputDataConfig[0].{s3}",
    )
    case(
        "unicode",
        "rtl-override-in-s3-uri",
        setting("training", f"InputDataConfig[1].{s3}", "s3://example-ml-data/data/\u202evalidation/"),
        f"InputDataConfig[1].{s3}",
    )
    case(
        "unicode",
        "lone-surrogate-job-name",
        text({**base("current"), "HyperParameterTuningJobName": "churn\ud800"}, ascii_only=True),
        "HyperParameterTuningJobName",
    )
    case(
        "unicode",
        "fullwidth-bucket",
        setting("training", "OutputDataConfig.S3OutputPath", "s3://\uff45xample-ml-data/models/"),
        "OutputDataConfig.S3OutputPath",
    )
    case(
        "unicode",
        "control-in-output-path",
        setting("preview", f"{tj}.OutputDataConfig.S3OutputPath", "s3://example-ml-data/preview/\x1bmodels/"),
        "S3OutputPath",
    )

    # Strings and keys Step Functions would read as paths or CloudFormation as substitutions.
    case(
        "dollar",
        "s3-uri-jsonpath",
        setting("current", f"{tj}.InputDataConfig[0].{s3}", "$.input.uri"),
        f"{tj}.InputDataConfig[0].{s3}",
    )
    case("dollar", "role-context-path", setting("training", "RoleArn", "$$.Execution.Input.role"), "RoleArn")
    case(
        "dot-dollar-key",
        "s3-uri",
        replacing("training", '"S3Uri": "s3://example-ml-data/data/train/"', '"S3Uri.$": "$.uri"'),
        "S3Uri.$",
    )
    case(
        "dot-dollar-key",
        "job-name",
        replacing("current", '"HyperParameterTuningJobName": "churn-xgb"', '"HyperParameterTuningJobName.$": "$.name"'),
        "HyperParameterTuningJobName.$",
    )
    case("dot-dollar-key", "tags", replacing("training", '"Tags": [', '"Tags.$": "$.tags", "Unused": ['), "Tags.$")
    case(
        "dot-dollar-key",
        "hyperparameter",
        replacing("boto3", '"feature_dim": "784"', '"feature_dim.$": "$.dim"'),
        "feature_dim.$",
    )
    case(
        "cfn-substitution",
        "s3-uri",
        setting("training", f"InputDataConfig[0].{s3}", "s3://example-ml-data/${AWS::AccountId}/train/"),
        f"InputDataConfig[0].{s3}",
    )
    case("cfn-substitution", "tag-value", setting("current", "Tags[0].Value", "${AWS::StackName}"), "Tags[0].Value")
    case(
        "cdk-token",
        "s3-uri",
        setting("current", f"{tj}.InputDataConfig[0].{s3}", "s3://${Token[TOKEN.123]}/train/"),
        f"{tj}.InputDataConfig[0].{s3}",
    )
    case(
        "cdk-token", "role", setting("training", "RoleArn", "arn:aws:iam::${Token[AWS.AccountId.7]}:role/R"), "RoleArn"
    )
    case("cdk-token", "tag-value", setting("preview", "Tags[0].Value", "${Token[TOKEN.9]}"), "Tags[0].Value")

    # S3 wildcards would become IAM wildcards.
    case(
        "s3-wildcard",
        "star-prefix",
        setting("current", f"{tj}.InputDataConfig[0].{s3}", "s3://example-ml-data/*"),
        f"{tj}.InputDataConfig[0].{s3}",
    )
    case(
        "s3-wildcard",
        "question-mark",
        setting("training", f"InputDataConfig[1].{s3}", "s3://example-ml-data/data/valid?tion/"),
        f"InputDataConfig[1].{s3}",
    )
    case(
        "s3-wildcard",
        "output-star",
        setting("training", "OutputDataConfig.S3OutputPath", "s3://example-ml-data/*/models/"),
        "OutputDataConfig.S3OutputPath",
    )
    case(
        "s3-wildcard",
        "checkpoint-star",
        setting("multi", "TrainingJobDefinitions[1].CheckpointConfig.S3Uri", "s3://example-ml-data/*"),
        "TrainingJobDefinitions[1].CheckpointConfig.S3Uri",
    )
    case(
        "s3-wildcard",
        "bucket-star",
        setting("preview", f"{tj}.InputDataConfig[0].{s3}", "s3://example-*/train/"),
        f"{tj}.InputDataConfig[0].{s3}",
    )

    # Bucket names S3 refuses.
    case(
        "bucket-name",
        "uppercase",
        setting("training", f"InputDataConfig[0].{s3}", "s3://Example-ML-Data/train/"),
        f"InputDataConfig[0].{s3}",
    )
    case(
        "bucket-name",
        "ip-address",
        setting("current", f"{tj}.OutputDataConfig.S3OutputPath", "s3://192.168.1.1/models/"),
        f"{tj}.OutputDataConfig.S3OutputPath",
    )
    case(
        "bucket-name",
        "too-short",
        setting("training", "CheckpointConfig.S3Uri", "s3://ab/checkpoints/"),
        "CheckpointConfig.S3Uri",
    )
    case(
        "bucket-name",
        "underscore",
        setting("boto3", f"{tj}.InputDataConfig[0].{s3}", "s3://example_ml_data/train/"),
        f"{tj}.InputDataConfig[0].{s3}",
    )

    # Roles of another account, used as they are (ARGS.json: --use-request-role).
    case("other-account-role", "current", setting("current", f"{tj}.RoleArn", OTHER_ROLE), f"{tj}.RoleArn")
    case(
        "other-account-role",
        "multi-second",
        setting("multi", "TrainingJobDefinitions[1].RoleArn", OTHER_ROLE),
        "TrainingJobDefinitions[1].RoleArn",
    )
    case("other-account-role", "training", setting("training", "RoleArn", OTHER_ROLE), "RoleArn")
    case("other-account-role", "not-an-arn", setting("training", "RoleArn", "SomeoneElsesRole"), "RoleArn")

    # Counts over SageMaker's limits.
    case(
        "count",
        "101-hyperparameters",
        setting("training", "HyperParameters", {f"p{i}": "1" for i in range(101)}),
        "HyperParameters",
    )
    case(
        "count",
        "101-static-hyperparameters",
        setting("current", f"{tj}.StaticHyperParameters", {f"p{i}": "1" for i in range(101)}),
        f"{tj}.StaticHyperParameters",
    )
    ranges = [{"Name": f"c{i}", "MinValue": "0.1", "MaxValue": "0.5"} for i in range(31)]
    case(
        "count",
        "31-tuned",
        setting("current", f"{cfg}.ParameterRanges", {"ContinuousParameterRanges": ranges}),
        f"{cfg}.ParameterRanges",
    )
    case(
        "count",
        "31-tuned-mixed",
        setting(
            "current",
            f"{cfg}.ParameterRanges",
            {
                "ContinuousParameterRanges": ranges[:15],
                "IntegerParameterRanges": [{"Name": f"i{i}", "MinValue": "1", "MaxValue": "5"} for i in range(15)],
                "CategoricalParameterRanges": [{"Name": "cat", "Values": ["a", "b"]}],
            },
        ),
        f"{cfg}.ParameterRanges",
    )

    # Tags.
    case("tags", "aws-prefix", setting("current", "Tags[0].Key", "aws:project"), "Tags[0].Key")
    case("tags", "aws-prefix-uppercase", setting("training", "Tags[1].Key", "AWS:capacity"), "Tags[1].Key")
    case("tags", "aws-prefix-preview-definition", setting("preview", f"{tj}.Tags[0].Key", "aws:team"), "Tags[1].Key")
    case(
        "tags",
        "duplicate-key",
        setting("training", "Tags", [{"Key": "project", "Value": "a"}, {"Key": "project", "Value": "b"}]),
        "Tags[1].Key",
    )
    case(
        "tags",
        "duplicate-key-tuning",
        setting(
            "current", "Tags", [{"Key": "k", "Value": "a"}, {"Key": "x", "Value": "b"}, {"Key": "k", "Value": "c"}]
        ),
        "Tags[2].Key",
    )

    # Duplicate JSON keys: the second one would silently win.
    case("duplicate-json-key", "top-level", replacing("current", '"Tags": [', '"Tags": [], "Tags": ['), "Tags")
    case(
        "duplicate-json-key",
        "strategy",
        replacing("current", '"Strategy": "Bayesian"', '"Strategy": "Bayesian", "Strategy": "Random"'),
        f"{cfg}.Strategy",
    )
    case(
        "duplicate-json-key",
        "role",
        replacing("training", '"RoleArn": ', f'"RoleArn": "{OTHER_ROLE}", "RoleArn": '),
        "RoleArn",
    )
    case(
        "duplicate-json-key",
        "hyperparameter",
        replacing("training", '"max_depth": "6"', '"max_depth": "6", "max_depth": "60"'),
        "HyperParameters.max_depth",
    )
    case(
        "duplicate-json-key",
        "channel-uri",
        replacing(
            "training",
            '"S3Uri": "s3://example-ml-data/data/train/"',
            '"S3Uri": "s3://example-ml-data/data/train/", "S3Uri": "s3://other-bucket/"',
        ),
        f"InputDataConfig[0].{s3}",
    )

    # Unknown fields at several depths.
    case("unknown-field", "top-level", setting("current", "Surprise", 1), "Surprise")
    case("unknown-field", "config", setting("current", f"{cfg}.Surprise", {}), f"{cfg}.Surprise")
    case(
        "unknown-field",
        "s3-data-source",
        setting("current", f"{tj}.InputDataConfig[0].DataSource.S3DataSource.Surprise", "x"),
        f"{tj}.InputDataConfig[0].DataSource.S3DataSource.Surprise",
    )
    case(
        "unknown-field",
        "training-resource-config",
        setting("training", "ResourceConfig.Surprise", 1),
        "ResourceConfig.Surprise",
    )
    case(
        "unknown-field",
        "preview-objective",
        setting("preview", "TuningJobConfig.TuningJobObjective.Surprise", 1),
        "Surprise",
    )
    case("unknown-field", "case-variant", setting("training", "roleArn", OTHER_ROLE), "roleArn")

    # Resource limits.
    case(
        "limits",
        "parallel-over-total",
        setting("current", f"{limits}.MaxParallelTrainingJobs", 21),
        f"{limits}.MaxParallelTrainingJobs",
    )
    case(
        "limits",
        "parallel-over-total-preview",
        setting("preview", "TuningJobConfig.ResourceLimits.MaxParallelTrainingJobs", 11),
        "MaxParallelTrainingJobs",
    )

    def grid(total: int | None) -> Callable[[dict[str, Any]], None]:
        def change(request: dict[str, Any]) -> None:
            config = request[cfg]
            config["Strategy"] = "Grid"
            config["ParameterRanges"] = {
                "CategoricalParameterRanges": [{"Name": "tree_method", "Values": ["auto", "hist", "exact"]}]
            }
            config.pop("TrainingJobEarlyStoppingType")
            if total is None:
                config["ResourceLimits"].pop("MaxNumberOfTrainingJobs")
                config["ResourceLimits"]["MaxParallelTrainingJobs"] = 1
            else:
                config["ResourceLimits"]["MaxNumberOfTrainingJobs"] = total
                config["ResourceLimits"]["MaxParallelTrainingJobs"] = 1
            request.pop("WarmStartConfig")

        return change

    case("grid", "total-not-combinations", changed("current", grid(20)), f"{limits}.MaxNumberOfTrainingJobs")
    case("grid", "total-below-combinations", changed("current", grid(2)), f"{limits}.MaxNumberOfTrainingJobs")

    # Range bounds: strict decimal strings only.
    ints = f"{cfg}.ParameterRanges.IntegerParameterRanges[0]"
    conts = f"{cfg}.ParameterRanges.ContinuousParameterRanges[0]"
    case("range-bound", "underscore", setting("current", f"{ints}.MaxValue", "1_0"), f"{ints}.MaxValue")
    case(
        "range-bound", "arabic-indic-digits", setting("current", f"{ints}.MaxValue", "\u0661\u0660"), f"{ints}.MaxValue"
    )
    case("range-bound", "fullwidth-digits", setting("current", f"{ints}.MinValue", "\uff13"), f"{ints}.MinValue")
    case("range-bound", "continuous-underscore", setting("current", f"{conts}.MaxValue", "0.5_0"), f"{conts}.MaxValue")
    case("range-bound", "continuous-nan", setting("current", f"{conts}.MinValue", "nan"), f"{conts}.MinValue")
    case("range-bound", "continuous-infinity", setting("current", f"{conts}.MaxValue", "Infinity"), f"{conts}.MaxValue")
    case("range-bound", "whitespace", setting("current", f"{ints}.MinValue", " 3"), f"{ints}.MinValue")
    return found


def main() -> int:
    CASES.mkdir(parents=True, exist_ok=True)
    for old in CASES.iterdir():
        old.unlink()
    made = cases()
    for file, (_, content, _) in made.items():
        (CASES / file).write_bytes(content)
    expected = {file: named for file, (_, _, named) in made.items()}
    (CASES / "EXPECTED.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    # Roles are compared with the stack's account: --account names it (the request's AwsAccountId
    # does in the preview shape); one case leaves both out.
    args = {
        file: ["--use-request-role"] if "no-account" in file or "preview" in file else ["--use-request-role", *ACCOUNT]
        for file, (kind, _, _) in made.items()
        if kind == "other-account-role"
    }
    (CASES / "ARGS.json").write_text(json.dumps(args, indent=1, sort_keys=True) + "\n")
    kinds: dict[str, int] = {}
    for kind, _, _ in made.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(made)} cases in {CASES}: " + ", ".join(f"{k} {n}" for k, n in kinds.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
