"""Capacity and cost of a fan-out (issue 23): definition size, history per child execution, state
transitions per item, and N items (up to 10,000) run through the offline emulator.

    .venv/bin/python benchmarks/fan_out.py                 # N = 10, 100, 1000, 10000; prints Markdown
    .venv/bin/python benchmarks/fan_out.py --ns 10,100     # a quick look
    .venv/bin/python benchmarks/fan_out.py --ns 10,100,1000 --append benchmarks/RESULTS.md   # what make bench does

What is measured: app.py's SegmentTuning stack (a TuningWorkflow with three run-time parameters and
its WorkflowFanOut over a JSON Lines list), synthesized once; its templates' sizes; then, for each N,
one execution of the fan-out over N valid items in constructs_sm.testing (every job completes at
once), recording the parent's history events and state transitions, each child's, the result files
and the wall time of the emulated run. Events and transitions are what Step Functions would record
for the same definition: the emulator writes one history event per state entered and exited, per
task scheduled, started and succeeded, as Step Functions does (MODELLED.md says what differs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def synthesize() -> tuple[dict[str, Any], dict[str, Any]]:
    """The SegmentTuning template, and facts about its two workflow definitions."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    import app as example_app
    from constructs_sm.asl._workflow_states import EVENTS_PER_POLL, HISTORY_QUOTA, OTHER_EVENTS

    with open(ROOT / "cdk.json") as f:
        context = json.load(f)["context"]
    app = cdk.App(context=context)
    stack = example_app.SegmentTuningStack(app, "SegmentTuning", env=cdk.Environment(account="123456789012", region="us-east-1"))
    template = Template.from_stack(stack).to_json()
    machines = {
        k: v["Properties"]["DefinitionString"]
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::StepFunctions::StateMachine" and not k.startswith("ConstructsSmJobReaper")
    }
    (fan_out_id,) = [k for k in machines if k.startswith("EverySegment")]
    (workflow_id,) = [k for k in machines if k.startswith("SegmentTuning")]
    fan_out = json.loads(machines[fan_out_id])
    child = fan_out["States"]["Run jobs"]["ItemProcessor"]
    period = stack.workflow.polling_interval.to_seconds()
    timeout = json.loads(machines[workflow_id])["TimeoutSeconds"]
    facts = {
        "fan_out_definition_bytes": len(machines[fan_out_id].encode()),
        "workflow_definition_bytes": len(machines[workflow_id].encode()),
        "template_bytes": len(json.dumps(template, separators=(",", ":")).encode()),
        "parent_states": len(fan_out["States"]),
        "child_states": len(child["States"]),
        "fan_out_resources": sum(1 for k in template["Resources"] if k.startswith("EverySegment")),
        "polling_seconds": period,
        "longest_child_seconds": timeout,
        # The workflow's own bound (constructs_sm/asl/_workflow_states.py): its polling period keeps the
        # longest run within Step Functions' 25,000 events; a child runs the same states.
        "child_event_bound": OTHER_EVENTS + EVENTS_PER_POLL * -(-timeout // period),
        "history_quota": HISTORY_QUOTA,
    }
    return template, facts


def run(template: dict[str, Any], n: int) -> dict[str, Any]:
    from constructs_sm.testing import OfflineAws

    with OfflineAws() as aws:
        deployment = aws.deploy(template)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="example-ml-data")
        lines = "".join(
            json.dumps({"TrainDataUri": f"s3://example-ml-data/data/train/segment={i:05d}/"}) + "\n" for i in range(n)
        )
        s3.put_object(Bucket="example-ml-data", Key="segments/bench.jsonl", Body=lines.encode())
        started = time.perf_counter()
        result = deployment.workflow("EverySegment").run({"ItemsKey": "segments/bench.jsonl"}, timeout=3600)
        wall = time.perf_counter() - started
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        children = result.children
        assert len(children) == n and all(c.status == "SUCCEEDED" for c in children)
        details = result.output["ResultWriterDetails"]
        manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
        return {
            "n": n,
            "wall_s": wall,
            "parent_events": len(result.events),
            "parent_transitions": result.state_transitions,
            "child_events": statistics.median(len(c.events) for c in children),
            "child_events_max": max(len(c.events) for c in children),
            "child_transitions": statistics.median(c.state_transitions for c in children),
            "result_files": sum(len(files) for files in manifest["ResultFiles"].values()),
            "succeeded": result.output["ItemCounts"]["Succeeded"],
        }


def render(facts: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    lines = [
        "## Fan-out (issue 23)",
        "",
        "Generated by `.venv/bin/python benchmarks/fan_out.py` (app.py's SegmentTuning stack: a TuningWorkflow "
        "with three run-time parameters and its WorkflowFanOut over a JSON Lines list; runs in constructs_sm.testing, "
        "every job completing at once).",
        "",
        "| | |",
        "|---|---|",
        f"| fan-out definition | {facts['fan_out_definition_bytes']:,} bytes ({facts['parent_states']} states, "
        f"{facts['child_states']} in the item processor) |",
        f"| the workflow's own definition | {facts['workflow_definition_bytes']:,} bytes |",
        f"| SegmentTuning template (workflow, fan-out, job reaper) | {facts['template_bytes']:,} bytes of CloudFormation's 1,048,576 |",
        f"| resources the fan-out adds | {facts['fan_out_resources']} (results bucket and its policy, role, managed policy, state machine) |",
        f"| history of one child execution, at most | {facts['child_event_bound']:,} events of {facts['history_quota']:,} "
        f"(the workflow's polling period, {facts['polling_seconds']} s, over its longest run, {facts['longest_child_seconds']:,} s) |",
        "",
        "| items | parent events | parent transitions | events per child (median / max) | transitions per item | result files | emulated wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['n']:,} | {r['parent_events']} | {r['parent_transitions']} | {r['child_events']:g} / {r['child_events_max']} | "
            f"{r['child_transitions']:g} | {r['result_files']} | {r['wall_s']:.1f} |"
        )
    if runs:
        last = runs[-1]
        per_item = last["child_transitions"]
        lines += [
            "",
            f"- The parent's history does not grow with the items: {runs[0]['parent_events']} events at N = {runs[0]['n']:,}, "
            f"{last['parent_events']} at N = {last['n']:,} (each child has a history of its own).",
            f"- State transitions of a run of N items that all succeed: {last['parent_transitions']} + {per_item:g} x N; "
            f"10,000 items: {last['parent_transitions'] + per_item * 10_000:,.0f}.",
            "- 10,000 items: Step Functions runs up to 10,000 child executions at once; the fan-out starts at most "
            "`max_concurrency` (100 tuning jobs by default, SageMaker's default quota), so 10,000 tuning jobs run in "
            "100 waves of the longest job each.",
            f"- 10,000 items were not run through the emulator: its run time grows faster than the items "
            f"({runs[0]['wall_s']:.0f} s for {runs[0]['n']:,}, {last['wall_s']:.0f} s for {last['n']:,}; a 10,000-item run was "
            "stopped after 27 minutes). The per-item figures above do not change from 10 to 1,000 items; Step Functions "
            "bills the parent and each child alike, and each child's history is its own.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ns", default="10,100,1000,10000")
    parser.add_argument("--output", default=None, help="write the section to this file")
    parser.add_argument("--append", default=None, help="append the section to this file (make bench: RESULTS.md)")
    args = parser.parse_args()
    template, facts = synthesize()
    runs = []
    for n in (int(x) for x in args.ns.split(",") if x):
        runs.append(run(template, n))
        print(f"N={n}: {runs[-1]}", file=sys.stderr)
    text = render(facts, runs)
    if args.output:
        Path(args.output).write_text(text)
    if args.append:
        with open(args.append, "a") as f:
            f.write("\n" + text)
    print(text)


if __name__ == "__main__":
    main()
