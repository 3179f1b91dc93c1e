"""``constructs-sm``: request JSON (tuning or training) to CloudFormation, state machine diagrams, IAM tables.

Exit codes: 0 done; 2 bad input (the message names the JSON path, the rule and the value);
1 any other failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from .api._preview import PREVIEW_FIELDS, RequestShape
from .errors import ValidationError

# --shape: each form by the operation it calls, the preview API's marked as such.
_SHAPES: dict[str, RequestShape | None] = {
    "auto": None,
    "create-hyper-parameter-tuning-job": RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB,
    "create-training-job": RequestShape.CREATE_TRAINING_JOB,
    "preview-create-tuning-job": RequestShape.CREATE_TUNING_JOB,
    "preview-create-tuning-job-boto3": RequestShape.CREATE_TUNING_JOB_BOTO3,
}
# The names of 0.1.0, still accepted (a note on standard error). `boto3` was the preview API's
# boto3 form: a current-API boto3 request is create-hyper-parameter-tuning-job.
_DEPRECATED_SHAPES = {
    "current": "create-hyper-parameter-tuning-job",
    "training": "create-training-job",
    "preview": "preview-create-tuning-job",
    "boto3": "preview-create-tuning-job-boto3",
}
_SHAPE_NAME = {shape: name for name, shape in _SHAPES.items() if shape is not None}
# What each shape is, for --help and for a request that turns out to be of another shape.
_ABOUT: dict[RequestShape, str] = {
    RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB: "the current API's CreateHyperParameterTuningJob, as JSON or "
    "as boto3 create_hyper_parameter_tuning_job(...) keyword arguments (the same fields)",
    RequestShape.CREATE_TRAINING_JOB: "CreateTrainingJob, as JSON or as boto3 create_training_job(...) keyword arguments",
    RequestShape.CREATE_TUNING_JOB: "the HPO preview API's CreateTuningJob (sagemakerhpo 2017-11-08)",
    RequestShape.CREATE_TUNING_JOB_BOTO3: "the HPO preview API's boto3 create_tuning_job(...) keyword arguments",
}
# Shapes read the same way: the preview API's JSON and boto3 forms.
_SAME_READING = {RequestShape.CREATE_TUNING_JOB_BOTO3: RequestShape.CREATE_TUNING_JOB}


def main(argv: Sequence[str] | None = None) -> int:
    _acknowledge_node_version()
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        print(f"constructs-sm: {error}", file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as error:
        print(f"constructs-sm: {error}", file=sys.stderr)
        return 2


def _acknowledge_node_version() -> None:
    """Acknowledge jsii's notice about the running Node.js version (printed as Python byte strings
    at every aws_cdk import), unless the user set the variable: the CLI's output stays readable."""
    if "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" in os.environ or shutil.which("node") is None:
        return
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout
    major = version.strip().lstrip("v").split(".")[0]
    if major.isdigit():
        for notice in ("END_OF_LIFE", "DEPRECATED", "UNTESTED"):
            os.environ.setdefault(f"JSII_SILENCE_WARNING_{notice}_NODE_VERSION", major)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped without breaking a shape name at its hyphens."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(
            " ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
        )


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="constructs-sm",
        description="SageMaker tuning and training workflows as CloudFormation, without the CDK CLI.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    current, preview, training = (
        RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB,
        RequestShape.CREATE_TUNING_JOB,
        RequestShape.CREATE_TRAINING_JOB,
    )
    synth = commands.add_parser(
        "synth",
        formatter_class=_HelpFormatter,
        help="write the CloudFormation template of a workflow built from a request JSON file",
        description=f"Build a TuningWorkflow from a {current.value} request (its JSON or boto3 form), a "
        f"preview {preview.value} request or its boto3 form, or a TrainingWorkflow from a {training.value} "
        "request, and write the synthesized template. The shape is detected from the request's top-level "
        f"fields (a field that only {training.value} has in SageMaker's API model, and none that only "
        f"{current.value} has: {_SHAPE_NAME[training]}; {', '.join(PREVIEW_FIELDS)}: "
        f"{_SHAPE_NAME[preview]}; else {_SHAPE_NAME[current]}); --shape names it. The constructs replace the "
        "request's RoleArn, KMS key IDs and job name (kept as the prefix of per-execution names). "
        "Exit codes: 0 done, 2 bad request (the message names the JSON path, the rule and the value).",
    )
    synth.add_argument("request", type=Path, help="the request JSON file")
    synth.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write a cloud assembly (a cdk.out folder) here, for `npx cdk deploy --app DIR` "
        "(default: print the template on standard output)",
    )
    synth.add_argument(
        "--shape",
        choices=[*_SHAPES, *_DEPRECATED_SHAPES],
        default="auto",
        metavar="SHAPE",
        help="the request's form (default: auto, detected from its fields): "
        + "; ".join(f"{name}: {_ABOUT[shape]}" for shape, name in _SHAPE_NAME.items())
        + ". Deprecated names, still accepted: "
        + ", ".join(f"{old} for {new}" for old, new in _DEPRECATED_SHAPES.items())
        + " (the preview API's boto3 form, not the current API's)",
    )
    synth.add_argument(
        "--definition-only", action="store_true", help="print only the state machine definition (indented)"
    )
    synth.add_argument(
        "--account", help="the stack's account (default: none; the template uses AWS::AccountId at deploy time)"
    )
    synth.add_argument("--region", help="the stack's region (default: none; AWS::Region at deploy time)")
    synth.add_argument(
        "--stack-name", help="stack name (default: ImportedTraining for a training request, else ImportedTuning)"
    )
    synth.add_argument(
        "--use-request-role", action="store_true", help="use the request's RoleArn instead of a generated role"
    )
    synth.add_argument(
        "--manifest-data",
        action="append",
        default=[],
        metavar="CHANNEL=S3URI",
        help="an S3 location the manifest of channel CHANNEL lists, s3://bucket/prefix/ or an S3 https:// URL "
        "(repeat it for more; required for ManifestFile and AugmentedManifestFile channels: the role may read there)",
    )
    synth.set_defaults(run=_synth)

    diagram = commands.add_parser(
        "diagram",
        help="draw the state machines of a synthesized template or cdk.out folder",
        description="Render each state machine as Mermaid, Graphviz DOT or SVG.",
    )
    diagram.add_argument("template", type=Path, help="a template JSON file or a cdk.out folder")
    diagram.add_argument("--format", choices=["mermaid", "dot", "svg"], default="mermaid")
    diagram.add_argument("-o", "--output-dir", type=Path, help="write one file per state machine here")
    diagram.set_defaults(run=_diagram)

    schema = commands.add_parser(
        "schema",
        help="print the execution input's JSON Schema of each workflow with run-time parameters",
        description="Read the input schemas that workflows with run_time_parameters write into a "
        "synthesized template (the state machine's Metadata) and print them as one JSON object, "
        "keyed by stack and state machine.",
    )
    schema.add_argument("template", type=Path, help="a template JSON file or a cdk.out folder")
    schema.set_defaults(run=_schema)

    permissions = commands.add_parser(
        "permissions",
        help="list the IAM permissions each role of a synthesized template receives",
        description="One row per action: role, resource, condition and why.",
    )
    permissions.add_argument("template", type=Path, help="a template JSON file or a cdk.out folder")
    permissions.add_argument("--format", choices=["text", "markdown", "csv"], default="text")
    permissions.set_defaults(run=_permissions)
    return parser


def _manifest_data(options: list[str]) -> dict[str, list[str]]:
    from .api._s3_uri import is_s3_uri

    data: dict[str, list[str]] = {}
    for option in options:
        channel, sep, uri = option.partition("=")
        if not sep or not channel or not is_s3_uri(uri):
            raise ValidationError(
                "--manifest-data", "must be CHANNEL=s3://bucket/prefix/ (or CHANNEL=<S3 https:// URL>)", option
            )
        data.setdefault(channel, []).append(uri)
    return data


def _as_option(error: ValidationError) -> ValidationError:
    """An error about the Python argument ``manifest_data`` as the option a CLI user gave."""
    from .iam._grants import MissingManifestData

    if isinstance(error, MissingManifestData):
        return error.for_option()
    if error.field.startswith("manifest_data"):
        return ValidationError("--manifest-data", error.rule, error.value)
    return error


def _synth(args: argparse.Namespace) -> int:
    import aws_cdk as cdk

    from .api._request_file import check_account, check_region, check_stack_name, load_request
    from .workflows.request_import import (
        detect_request_shape,
        training_workflow_from_request,
        tuning_workflow_from_request,
    )

    if args.shape in _DEPRECATED_SHAPES:
        renamed = _DEPRECATED_SHAPES[args.shape]
        print(
            f"constructs-sm: --shape {args.shape} is deprecated, use --shape {renamed}: "
            f"{_ABOUT[cast(RequestShape, _SHAPES[renamed])]}",
            file=sys.stderr,
        )
        args.shape = renamed
    request = load_request(args.request)
    named = _SHAPES[args.shape]
    detected = detect_request_shape(request)
    shape = detected if named is None else named
    training = shape is RequestShape.CREATE_TRAINING_JOB
    stack_name = args.stack_name or ("ImportedTraining" if training else "ImportedTuning")
    check_stack_name(stack_name)
    if args.account is not None:
        check_account(args.account)
    if args.region is not None:
        check_region(args.region)
    manifest_data = _manifest_data(args.manifest_data)
    env = (
        None
        if args.account is None and args.region is None
        else cdk.Environment(account=args.account, region=args.region)
    )
    # Synthesized in a scratch folder and copied only when it succeeded: a bad request writes nothing.
    with tempfile.TemporaryDirectory() as scratch:
        app = cdk.App(outdir=scratch)
        stack = cdk.Stack(app, stack_name, env=env)
        try:
            if training:
                training_workflow_from_request(
                    stack, "Workflow", request, use_request_role=args.use_request_role, manifest_data=manifest_data
                )
            else:
                tuning_workflow_from_request(
                    stack,
                    "Workflow",
                    request,
                    shape=shape,
                    use_request_role=args.use_request_role,
                    manifest_data=manifest_data,
                )
        except ValidationError as error:
            if named is None or _SAME_READING.get(named, named) is detected:
                raise _as_option(error) from None
            right = _SHAPE_NAME[detected]
            print(f"constructs-sm: {_as_option(error)}", file=sys.stderr)
            print(
                f"constructs-sm: --shape {args.shape} reads {_ABOUT[named]}; this request's top-level fields "
                f"are those of {right}, {_ABOUT[detected]}: use --shape {right}, or leave --shape out",
                file=sys.stderr,
            )
            return 2
        template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
        if args.output is not None:
            shutil.copytree(scratch, args.output, dirs_exist_ok=True)
    if args.definition_only:
        from .tools.diagram import definitions_from_template
        from .workflows._reaper import REAPER_ID

        # The workflow's own: the stack's job reaper is not what the request asked for.
        (document,) = [d for k, d in definitions_from_template(template).items() if not k.startswith(REAPER_ID)]
        _write(json.dumps(document, indent=2) + "\n", None)
    elif args.output is None:
        _write(json.dumps(template, indent=2) + "\n", None)
    else:
        print(f"cloud assembly in {args.output}: npx cdk deploy --app {args.output}", file=sys.stderr)
    return 0


def _templates(path: Path) -> dict[str, dict[str, Any]]:
    files = sorted(path.glob("*.template.json")) if path.is_dir() else [path]
    return {f.name.removesuffix(".json").removesuffix(".template"): json.loads(f.read_text()) for f in files}


def _diagram(args: argparse.Namespace) -> int:
    from .tools.diagram import definitions_from_template, to_dot, to_mermaid, write_svg

    for stack, template in _templates(args.template).items():
        for logical_id, definition in definitions_from_template(template).items():
            name = f"{stack}-{logical_id}"
            if args.format == "svg":
                out_dir = args.output_dir or Path(".")
                out_dir.mkdir(parents=True, exist_ok=True)
                print(write_svg(definition, out_dir / f"{name}.svg"))
                continue
            text = to_mermaid(definition) if args.format == "mermaid" else to_dot(definition)
            if args.output_dir is None:
                print(f"%% {name}" if args.format == "mermaid" else f"// {name}")
                print(text)
            else:
                args.output_dir.mkdir(parents=True, exist_ok=True)
                suffix = "mmd" if args.format == "mermaid" else "dot"
                _write(text, args.output_dir / f"{name}.{suffix}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .asl._parameters import SCHEMA_METADATA

    schemas = {
        f"{stack}/{logical_id}": resource["Metadata"][SCHEMA_METADATA]
        for stack, template in _templates(args.template).items()
        for logical_id, resource in template.get("Resources", {}).items()
        if SCHEMA_METADATA in resource.get("Metadata", {})
    }
    if not schemas:
        print(f"constructs-sm: {args.template}: no workflow with run-time parameters", file=sys.stderr)
        return 2
    _write(json.dumps(schemas, indent=2) + "\n", None)
    return 0


def _permissions(args: argparse.Namespace) -> int:
    from .tools.permissions import format_table, permission_rows

    for stack, template in _templates(args.template).items():
        print(f"# {stack}")
        print(format_table(permission_rows(template), fmt=args.format))
    return 0


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
