"""Walk one field through the library: the modules and functions between a prop and the three
places it ends up, its Task state's Parameters, its IAM grant and its validation error.

For each destination the script records the call stack of ``constructs_sm`` at the moment the
field arrives there, building the minimal example's tuning workflow:

- Parameters: ``render_parameters`` returns the Parameters fragment that holds the field;
- grant: a statement is added for the field's JSON path (``_Grants.add``);
- validation error: a ``ValidationError`` naming the field is raised, for a value that breaks a rule.

It prints the module that renders the field, then each route below the construct the user called
(the workflow's own modules are the entry, not counted)::

    .venv/bin/python benchmarks/field_walk.py
    .venv/bin/python benchmarks/field_walk.py --field MaxParallelTrainingJobs

Nothing is timed. Run it on two checkouts to compare a change of layout.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = str(ROOT / "constructs_sm")
ENTRY = ("constructs_sm/workflows/tuning_workflow.py", "constructs_sm/workflows/_job_workflow.py")
FIELDS = {
    # field -> (how to break it, for the validation error)
    "MaxParallelTrainingJobs": "resource_limits max_parallel_training_jobs=0",
    "S3OutputPath": "output_data_config key_prefix models/*",
}


# What recovers, from the rendered request, what a prop knew: parsing an S3 URI again, or a lookup
# of the object behind a token.
_ROUND_TRIPS = ("parse", "bound")


def _where(frame: FrameType) -> tuple[str, str]:
    return str(Path(frame.f_code.co_filename).relative_to(ROOT)), frame.f_code.co_qualname


def _stack(frame: FrameType | None) -> list[tuple[str, str]]:
    calls = []
    while frame is not None:
        if frame.f_code.co_filename.startswith(PACKAGE):
            calls.append(_where(frame))
        frame = frame.f_back
    return list(reversed(calls))


def _route(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The calls below the entry (the workflow classes the user's call runs)."""
    last = max((i for i, (module, _name) in enumerate(calls) if module in ENTRY), default=-1)
    return calls[last + 1 :]


def _holds(value: Any, field: str, depth: int = 0) -> bool:
    if depth > 12:
        return False
    if isinstance(value, dict):
        return any(
            (isinstance(k, str) and k.split(".")[0] == field) or _holds(v, field, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_holds(v, field, depth + 1) for v in value)
    return False


def build(field: str, *, broken: bool) -> Any:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, str(ROOT))
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    import app as example
    import constructs_sm as sm

    stack = cdk.Stack(cdk.App(), "Walk", env=cdk.Environment(account="111111111111", region="us-east-1"))
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    props = example.xgboost_tuning(bucket)
    definition = example.xgboost_definition(bucket)
    if broken and field == "MaxParallelTrainingJobs":
        config = props["hyper_parameter_tuning_job_config"]
        limits = dataclasses.replace(config.resource_limits, max_parallel_training_jobs=0)  # type: ignore[attr-defined]
        props["hyper_parameter_tuning_job_config"] = dataclasses.replace(config, resource_limits=limits)  # type: ignore[type-var]
    if broken and field == "S3OutputPath":
        definition = dataclasses.replace(
            definition,
            output_data_config=sm.S3Location(bucket_name="example-ml-data", key_prefix="models/*", field="key_prefix"),
        )
    return lambda: sm.TuningWorkflow(stack, "XgboostTuning", training_job_definition=definition, **props)


def walk(field: str) -> dict[str, list[tuple[str, str]]]:
    routes: dict[str, list[tuple[str, str]]] = {}

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return
        where = _where(frame)
        if event == "return" and "rendered by" not in routes and isinstance(arg, dict) and field in arg:
            caller: FrameType | None = frame
            while caller is not None and ("<" in caller.f_code.co_qualname or caller.f_code.co_name == "compact"):
                caller = caller.f_back  # a helper that builds the dict: the props' function called it
            if caller is not None:
                routes["rendered by"] = [_where(caller)]
        if event == "call" and where[1] in _ROUND_TRIPS and field in str(frame.f_locals.get("path", "")):
            routes.setdefault("round trips", []).append(where)
        if event == "call" and where[1] == "bound":  # the registry keyed by repr(token), where it exists
            routes.setdefault("round trips", []).append(where)
        if event == "return" and where[1] == "render_parameters" and "parameters" not in routes and _holds(arg, field):
            routes["parameters"] = _route(_stack(frame))
        if event == "call" and where[1] == "_Grants.add" and "grant" not in routes:
            if field in str(frame.f_locals.get("path", "")).split(".")[-1]:
                routes["grant"] = _route(_stack(frame))

    make = build(field, broken=False)
    sys.setprofile(profile)
    try:
        make()
    finally:
        sys.setprofile(None)
    make = build(field, broken=True)
    try:
        make()
    except Exception as error:  # noqa: BLE001 - the ValidationError the broken value must raise
        if field not in str(error):
            raise
        trace = error.__traceback__
        calls = []
        while trace is not None:
            if trace.tb_frame.f_code.co_filename.startswith(PACKAGE):
                calls.append(_where(trace.tb_frame))
            trace = trace.tb_next
        routes["validation error"] = _route(calls)
    return routes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--field", choices=sorted(FIELDS), action="append", help="@default every field")
    args = parser.parse_args()
    for field in args.field or sorted(FIELDS):
        routes = walk(field)
        module, name = routes["rendered by"][0]
        print(f"# {field}: rendered by {module}: {name}")
        trips = routes.get("round trips", [])
        print(f"  round trips: {len(trips)}" + "".join(f"\n      {m}: {n}" for m, n in dict.fromkeys(trips)))
        for destination in ("parameters", "grant", "validation error"):
            route = routes.get(destination)
            if route is None:
                print(f"  {destination}: none")
                continue
            modules = list(dict.fromkeys(m for m, _ in route))
            print(f"  {destination}: {len(modules)} modules, {len(route)} calls")
            for module, name in route:
                print(f"      {module}: {name}")


if __name__ == "__main__":
    main()
