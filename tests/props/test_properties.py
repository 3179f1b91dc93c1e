"""Property-based input (issue 5): valid TuningWorkflow and TrainingWorkflow props synthesize templates AWS
would accept; invalid props raise the library's ValidationError naming the field, never another exception.

Profiles live in tests/conftest.py: "ci" (default: fixed seed, few examples) and "long"
(``HYPOTHESIS_PROFILE=long``). The invalid draws are cheap (they fail before synthesis), so they
get eight times the examples of the valid ones, which each run cfn-lint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template
from hypothesis import given, settings
from hypothesis import strategies as st

import constructs_sm as sm
from tests.api_shapes import problems
from tests.builders import channel, config, definition
from tests.cfn_lint import lint
from tests.conftest import new_stack
from tests.template_helpers import definition as asl

_EXAMPLES = settings.default.max_examples
_NAMES = ["eta", "alpha", "lambda", "gamma", "max_depth", "subsample", "tree_method", "booster"]
_STATIC = ["num_round", "objective", "seed", "verbosity", "nthread"]
_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789:_-.", min_size=1, max_size=12)
_PREFIX = st.from_regex(r"[a-z0-9](-?[a-z0-9]){0,8}", fullmatch=True)
_JOB_NAME = st.from_regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){0,15}", fullmatch=True)


@st.composite
def _continuous(draw: st.DrawFn, name: str) -> sm.ContinuousParameterRange:
    low = draw(st.floats(min_value=0.001, max_value=10, allow_nan=False))
    high = low + draw(st.floats(min_value=0.001, max_value=10, allow_nan=False))
    scaling = draw(st.sampled_from([None, sm.ScalingType.AUTO, sm.ScalingType.LINEAR, sm.ScalingType.LOGARITHMIC]))
    return sm.ContinuousParameterRange(name=name, min_value=low, max_value=high, scaling_type=scaling)


@st.composite
def _integer(draw: st.DrawFn, name: str) -> sm.IntegerParameterRange:
    low = draw(st.integers(min_value=1, max_value=100))
    high = low + draw(st.integers(min_value=1, max_value=100))
    scaling = draw(st.sampled_from([None, sm.ScalingType.AUTO, sm.ScalingType.LINEAR, sm.ScalingType.LOGARITHMIC]))
    return sm.IntegerParameterRange(name=name, min_value=low, max_value=high, scaling_type=scaling)


def _categorical(name: str) -> st.SearchStrategy[sm.CategoricalParameterRange]:
    values = st.lists(_TEXT, min_size=1, max_size=5, unique=True)
    return values.map(lambda v: sm.CategoricalParameterRange(name=name, values=v))


@st.composite
def tuning_props(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments of a valid TuningWorkflow."""
    strategy = draw(st.sampled_from(list(sm.Strategy)))
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=4, unique=True))
    kinds = [_categorical] if strategy is sm.Strategy.GRID else [_continuous, _integer, _categorical]
    ranges = [draw(draw(st.sampled_from(kinds))(name)) for name in names]
    parallel = draw(st.integers(min_value=1, max_value=10))
    total = None if strategy is sm.Strategy.GRID else parallel + draw(st.integers(min_value=0, max_value=90))
    static = draw(st.dictionaries(st.sampled_from(_STATIC), _TEXT, max_size=4))
    resources = sm.ResourceConfig(
        instance_type=draw(st.sampled_from(["ml.m5.xlarge", "ml.c5.2xlarge", "ml.p3.2xlarge"])),
        instance_count=draw(st.integers(min_value=1, max_value=4)),
        volume_size=cdk.Size.gibibytes(draw(st.integers(min_value=1, max_value=500))),
    )
    stopping = sm.StoppingCondition(max_runtime=cdk.Duration.hours(draw(st.integers(min_value=1, max_value=48))))
    channels = [
        channel(name)
        for name in draw(st.lists(st.sampled_from(["train", "validation", "test"]), min_size=1, unique=True))
    ]
    # Hyperband stops jobs itself: SageMaker takes no other early stopping with it.
    stopping_types = (
        [None, sm.EarlyStoppingType.OFF] if strategy is sm.Strategy.HYPERBAND else [None, *sm.EarlyStoppingType]
    )
    props: dict[str, Any] = {
        "hyper_parameter_tuning_job_config": config(
            strategy=strategy,
            parameter_ranges=ranges,
            resource_limits=sm.ResourceLimits(max_parallel_training_jobs=parallel, max_number_of_training_jobs=total),
            training_job_early_stopping_type=draw(st.sampled_from(stopping_types)),
        ),
        "training_job_definition": definition(
            static_hyper_parameters=static,
            resource_config=resources,
            stopping_condition=stopping,
            input_data_config=channels,
            enable_network_isolation=draw(st.booleans()),
        ),
        "job_name_prefix": draw(st.none() | _PREFIX),
        "tags": draw(
            st.none() | st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), _TEXT, max_size=3)
        ),
        "autotune": draw(st.booleans()),
    }
    if draw(st.booleans()):
        props["warm_start_config"] = sm.WarmStartConfig(
            parent_tuning_job_names=draw(st.lists(_JOB_NAME, min_size=1, max_size=5, unique=True)),
            warm_start_type=draw(st.sampled_from(list(sm.WarmStartType))),
        )
    return props


@given(props=tuning_props())
def test_valid_tuning_props_synthesize_a_template_aws_accepts(props: dict[str, Any], tmp_path_factory: Any) -> None:
    stack = new_stack()
    sm.TuningWorkflow(stack, "Tuning", **props)
    template = Template.from_stack(stack).to_json()
    states = asl(template)["States"]
    assert problems("CreateHyperParameterTuningJob", states["Create tuning job"]["Parameters"]) == []
    assert problems("DescribeTrainingJob", states["Describe best training job"]["Parameters"]) == []
    assert lint(template, Path(tmp_path_factory.mktemp("lint")) / "template.json") == []


# Each invalid draw: a description, the construction that must fail, and the field its error names.
Invalid = tuple[str, Callable[[], object], str]


def _build(**props: Any) -> Callable[[], object]:
    def build() -> object:
        merged: dict[str, Any] = {
            "hyper_parameter_tuning_job_config": config(),
            "training_job_definition": definition(),
        }
        merged.update(props)
        return sm.TuningWorkflow(new_stack(), "Tuning", **merged)

    return build


def _ranges(*ranges: Any) -> dict[str, Any]:
    return {"hyper_parameter_tuning_job_config": config(parameter_ranges=list(ranges))}


def _job(**changes: Any) -> dict[str, Any]:
    return {"training_job_definition": definition(**changes)}


_INVALID: list[st.SearchStrategy[Invalid]] = [
    (st.from_regex(r"[a-z]{0,3}[A-Z_ .][a-z]{0,3}", fullmatch=True) | st.text("abc", min_size=20, max_size=40)).map(
        lambda p: ("job name prefix", _build(job_name_prefix=p), "job_name_prefix")
    ),
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(0, 1e6, allow_nan=False)).map(
        lambda t: (
            "continuous range min >= max",
            _build(**_ranges(sm.ContinuousParameterRange(name="eta", min_value=t[0] + t[1], max_value=t[0]))),
            "ParameterRanges[0].MinValue",
        )
    ),
    st.tuples(st.integers(-1000, 1000), st.integers(0, 1000)).map(
        lambda t: (
            "integer range min >= max",
            _build(**_ranges(sm.IntegerParameterRange(name="depth", min_value=t[0] + t[1], max_value=t[0]))),
            "ParameterRanges[0].MinValue",
        )
    ),
    st.one_of(
        st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)
    ).map(
        lambda v: (
            "hyperparameter value not a string",
            _build(**_job(static_hyper_parameters={"num_round": v})),
            "StaticHyperParameters",
        )
    ),
    st.integers(101, 150).map(
        lambda n: (
            f"{n} static hyperparameters",
            _build(**_job(static_hyper_parameters={f"p{i}": "1" for i in range(n)})),
            "StaticHyperParameters",
        )
    ),
    st.integers(max_value=-1).map(
        lambda n: (
            "instance count below 0",
            _build(**_job(resource_config=sm.ResourceConfig(instance_type="ml.m5.xlarge", instance_count=n))),
            "InstanceCount",
        )
    ),
    st.tuples(st.integers(1, 50), st.integers(1, 50)).map(
        lambda t: (
            "more parallel jobs than jobs",
            _build(
                hyper_parameter_tuning_job_config=config(
                    resource_limits=sm.ResourceLimits(
                        max_parallel_training_jobs=t[0] + t[1], max_number_of_training_jobs=t[0]
                    )
                )
            ),
            "MaxParallelTrainingJobs",
        )
    ),
    st.from_regex(r"(aws|AWS|Aws):[a-z]{0,8}", fullmatch=True).map(
        lambda k: ("reserved tag key", _build(tags={k: "x"}), "Tags")
    ),
    st.from_regex(r"s3://example-bucket/[a-z]{0,5}[ \t]", fullmatch=True).map(
        lambda uri: ("s3 URI with trailing whitespace", lambda: channel(uri=uri), "uri")
    ),
    st.from_regex(r"[a-z]{0,4}[ /:@!][a-z]{0,4}", fullmatch=True).map(
        lambda name: ("channel name", _build(**_job(input_data_config=[channel(name=name)])), "ChannelName")
    ),
    st.from_regex(r"[a-z]{1,4}[_. ][a-z]{1,4}", fullmatch=True).map(
        lambda name: (
            "warm start parent name",
            _build(warm_start_config=sm.WarmStartConfig(parent_tuning_job_names=[name])),
            "ParentHyperParameterTuningJobs",
        )
    ),
    st.integers(28 * 24 + 1, 24 * 365).map(
        lambda hours: (
            "max runtime over 28 days",
            _build(**_job(stopping_condition=sm.StoppingCondition(max_runtime=cdk.Duration.hours(hours)))),
            "MaxRuntimeInSeconds",
        )
    ),
    _TEXT.map(
        lambda value: (
            "categorical value repeated",
            _build(**_ranges(sm.CategoricalParameterRange(name="tree_method", values=[value, value]))),
            "Values",
        )
    ),
    st.sampled_from([s.value.lower() for s in sm.Strategy]).map(
        lambda s: ("strategy not an API string", _build(hyper_parameter_tuning_job_config=config(strategy=s)), "Strategy")
    ),
]


@settings(max_examples=_EXAMPLES * 8)
@given(case=st.one_of(_INVALID))
def test_invalid_tuning_props_raise_a_validation_error_naming_the_field(case: Invalid) -> None:
    _raises_naming_the_field(case)


# TrainingWorkflow


@st.composite
def training_props(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments of a valid TrainingWorkflow, spot training included."""
    runtime = draw(st.integers(min_value=1, max_value=48))
    spot = draw(st.booleans())
    stopping = sm.StoppingCondition(
        max_runtime=cdk.Duration.hours(runtime),
        max_wait_time=cdk.Duration.hours(runtime + draw(st.integers(0, 24))) if spot else None,
    )
    channels = [channel(n) for n in draw(st.lists(st.sampled_from(["train", "validation"]), min_size=1, unique=True))]
    return {
        "training_job_definition": definition(
            static_hyper_parameters=draw(st.dictionaries(st.sampled_from(_STATIC + _NAMES), _TEXT, max_size=6)),
            resource_config=sm.ResourceConfig(
                instance_type=draw(st.sampled_from(["ml.m5.xlarge", "ml.g5.2xlarge"])),
                instance_count=draw(st.integers(min_value=1, max_value=4)),
                volume_size=cdk.Size.gibibytes(draw(st.integers(min_value=1, max_value=500))),
            ),
            stopping_condition=stopping,
            enable_managed_spot_training=spot,
            input_data_config=channels,
        ),
        "job_name_prefix": draw(st.none() | _PREFIX),
        "tags": draw(
            st.none() | st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), _TEXT, max_size=3)
        ),
        "integration": draw(st.sampled_from([None, sm.TrainingIntegration.AWS_SDK])),
    }


@given(props=training_props())
def test_valid_training_props_synthesize_a_template_aws_accepts(props: dict[str, Any], tmp_path_factory: Any) -> None:
    stack = new_stack()
    sm.TrainingWorkflow(stack, "Training", **props)
    template = Template.from_stack(stack).to_json()
    assert problems("CreateTrainingJob", asl(template)["States"]["Create training job"]["Parameters"]) == []
    assert lint(template, Path(tmp_path_factory.mktemp("lint")) / "template.json") == []


def _train(**changes: Any) -> Callable[[], object]:
    props = {"training_job_definition": definition(**changes.pop("definition", {})), **changes}
    return lambda: sm.TrainingWorkflow(new_stack(), "Training", **props)


_INVALID_TRAINING: list[st.SearchStrategy[Invalid]] = [
    st.integers(1, 48).map(
        lambda hours: (
            "spot training without a max wait time",
            _train(
                definition={
                    "enable_managed_spot_training": True,
                    "stopping_condition": sm.StoppingCondition(max_runtime=cdk.Duration.hours(hours)),
                }
            ),
            "MaxWaitTimeInSeconds",
        )
    ),
    st.tuples(st.integers(2, 48), st.integers(1, 47)).map(
        lambda t: (
            "max wait time below the max runtime",
            _train(
                definition={
                    "enable_managed_spot_training": True,
                    "stopping_condition": sm.StoppingCondition(
                        max_runtime=cdk.Duration.hours(t[0]), max_wait_time=cdk.Duration.hours(min(t[1], t[0] - 1))
                    ),
                }
            ),
            "MaxWaitTimeInSeconds",
        )
    ),
    (st.from_regex(r"[a-z]{0,3}[A-Z_ .][a-z]{0,3}", fullmatch=True) | st.text("abc", min_size=51, max_size=70)).map(
        lambda p: ("training job name prefix", _train(job_name_prefix=p), "job_name_prefix")
    ),
    st.one_of(st.integers(), st.booleans(), st.none()).map(
        lambda v: (
            "hyperparameter value not a string",
            _train(definition={"static_hyper_parameters": {"epochs": v}}),
            "HyperParameters",
        )
    ),
    st.integers(max_value=-1).map(
        lambda n: (
            "instance count below 0",
            _train(definition={"resource_config": sm.ResourceConfig(instance_type="ml.m5.xlarge", instance_count=n)}),
            "InstanceCount",
        )
    ),
    st.from_regex(r"(aws|AWS):[a-z]{0,8}", fullmatch=True).map(
        lambda k: ("reserved tag key", _train(tags={k: "x"}), "Tags")
    ),
]


@settings(max_examples=_EXAMPLES * 8)
@given(case=st.one_of(_INVALID_TRAINING))
def test_invalid_training_props_raise_a_validation_error_naming_the_field(case: Invalid) -> None:
    _raises_naming_the_field(case)


def _raises_naming_the_field(case: Invalid) -> None:
    """The library's own error, naming the field; never another exception or no error."""
    description, build, field = case
    try:
        build()
    except sm.ValidationError as error:
        assert field in error.field, f"{description}: {error}"
    else:
        raise AssertionError(f"{description}: no error")
