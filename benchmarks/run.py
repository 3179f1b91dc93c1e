#!/usr/bin/env python3
"""The performance benchmark of issue 6: synth time, template size, run cost.

    .venv/bin/python benchmarks/run.py            # or: make bench
    .venv/bin/python benchmarks/run.py --reps 1 --ns 1,10 --no-capacity   # a quick look

Every synthesis runs in its own subprocess (benchmarks/apps.py), so each measurement pays
Python, jsii and Node start-up the same way; the parent times the whole subprocess.
Measurements are interleaved (rep by rep, N by N, library by library) so that drift in the
machine's load hits ours and the anchor alike. Results go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import json
import math
import os
import pickle
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
APPS = os.path.join(HERE, "apps.py")

CFN_TEMPLATE_BODY_LIMIT = 1_000_000  # CloudFormation: 1 MB for a template uploaded to S3 (CDK checks 1e6)
CFN_RESOURCE_LIMIT = 500
SFN_DEFINITION_LIMIT = 1_048_576  # characters, Step Functions state machine definition
PRICE_PER_1000_TRANSITIONS = 0.025  # USD, Standard workflows, us-east-1 (Step Functions pricing page)
JOB_SECONDS = 2 * 3600
POLL_SECONDS = 60

ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PYTHONDONTWRITEBYTECODE": "1"}


# ---------------------------------------------------------------- one synthesis


def synth(kind: str, n: int, *flags: str, keep: bool = False) -> dict[str, Any]:
    """Synthesize one app in a fresh process; wall time, phase times and template figures."""
    outdir = tempfile.mkdtemp(prefix=f"bench-{kind}-{n}-")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [PY, APPS, kind, str(n), outdir, *flags], capture_output=True, text=True, env=ENV, cwd=ROOT
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the process and the Node process it waited for: less sensitive than wall
    # time to other work on the machine.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        shutil.rmtree(outdir, ignore_errors=True)
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{kind} N={n} {' '.join(flags)} failed:\n{tail}")
    phases = json.loads(proc.stdout.strip().splitlines()[-1])
    result: dict[str, Any] = {"kind": kind, "n": n, "flags": flags, "wall": wall, "cpu": cpu, **phases}
    result.update(template_figures(phases["template"]))
    if keep:
        with open(phases["template"]) as f:
            result["template_json"] = json.load(f)
    shutil.rmtree(outdir, ignore_errors=True)
    return result


def template_figures(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        written = f.read()
    template = json.loads(written)
    resources = template.get("Resources", {})
    types = Counter(r["Type"] for r in resources.values())
    return {
        "bytes_written": len(written),
        "bytes_minified": len(json.dumps(template, separators=(",", ":")).encode()),
        "resources": len(resources),
        "types": dict(types),
        "lambdas": sum(c for t, c in types.items() if t in ("AWS::Lambda::Function", "AWS::Serverless::Function")),
        "custom_resources": sum(c for t, c in types.items() if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"),
    }


# ---------------------------------------------------------------- definitions and run cost


def state_machines(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]


# Resolved lengths of the tokens a definition holds, generous real-world values.
_RESOLVED = {
    "Partition": "aws-us-gov",
    "Region": "ap-southeast-2",
    "AccountId": "123456789012",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/" + "r" * 64,
    "KeyArn": "arn:aws:kms:ap-southeast-2:123456789012:key/12345678-1234-1234-1234-123456789012",
}


def _resolved_value(name: str) -> str:
    if name in _RESOLVED:
        return _RESOLVED[name]
    if name.startswith("Subnet"):
        return "subnet-0123456789abcdef0"
    if name.startswith("SecurityGroup"):
        return "sg-0123456789abcdef0"
    return "x" * 128  # an unknown token: a long ARN


def definition_sizes(props: dict[str, Any]) -> tuple[int, int]:
    """(characters as synthesized, characters once its references are resolved)."""
    body = props["DefinitionString"]
    if isinstance(body, str):
        resolved = re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: _resolved_value(m.group(1)), body)
        return len(body), len(resolved)
    # Fn::Join of literal strings and tokens (aws-cdk-lib renders a definition with tokens this way)
    parts = body["Fn::Join"][1]
    literal = "".join(p for p in parts if isinstance(p, str))
    tokens = [p for p in parts if not isinstance(p, str)]

    def token_length(token: dict[str, Any]) -> int:
        text = json.dumps(token)
        if "Partition" in text:
            return len(_RESOLVED["Partition"])
        if "Role" in text:
            return len(_RESOLVED["ExecutionRoleArn"])
        if "Key" in text:
            return len(_RESOLVED["KeyArn"])
        if "Subnet" in text:
            return len("subnet-0123456789abcdef0")
        if "SecurityGroup" in text or "GroupId" in text:
            return len("sg-0123456789abcdef0")
        return 128

    synthesized = len(literal) + sum(len(json.dumps(t)) for t in tokens)
    return synthesized, len(literal) + sum(token_length(t) for t in tokens)


def parse_definition(props: dict[str, Any]) -> dict[str, Any]:
    body = props["DefinitionString"]
    if isinstance(body, dict):
        body = "".join(p if isinstance(p, str) else "TOKEN" for p in body["Fn::Join"][1])
    return json.loads(body)


def _successors(state: dict[str, Any]) -> list[str]:
    nxt = [state["Next"]] if "Next" in state else []
    nxt += [c["Next"] for c in state.get("Choices", [])]
    if "Default" in state:
        nxt.append(state["Default"])
    return nxt


def _shortest(states: dict[str, Any], start: str, goal: Any) -> list[str]:
    frontier, seen = [[start]], {start}
    while frontier:
        path = frontier.pop(0)
        for succ in _successors(states[path[-1]]):
            if goal(succ, states[succ]):
                return path + [succ]
            if succ not in seen:
                seen.add(succ)
                frontier.append(path + [succ])
    raise ValueError(f"no path from {start}")


def success_transitions(definition: dict[str, Any]) -> dict[str, Any]:
    """States entered by one successful execution (shortest path to a Succeed state).

    A Wait/Describe/Choice loop on the path is run once per POLL_SECONDS of a JOB_SECONDS job.
    A `.sync` Task is one state entered however long the job runs.
    """
    states = definition["States"]
    start = definition["StartAt"]
    if states[start]["Type"] == "Succeed" or states[start].get("End"):
        path = [start]
    else:
        path = [start] + _shortest(states, start, lambda name, s: s["Type"] in ("Succeed",) or ("End" in s and s["Type"] != "Fail"))[1:]
    loop: list[str] = []
    for name in path:
        if states[name]["Type"] == "Wait":
            back = _shortest(states, name, lambda n2, _s, w=name: n2 == w)
            loop = back[:-1]
            break
    polls = math.ceil(JOB_SECONDS / int(states[loop[0]].get("Seconds", POLL_SECONDS))) if loop else 0
    total = len(path) + max(polls - 1, 0) * len(loop)
    tasks = [n for n in path if states[n]["Type"] == "Task"]
    return {"path": path, "loop": loop, "polls": polls, "transitions": total, "tasks": tasks}


# ---------------------------------------------------------------- environment


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    mem_kb = first("/proc/meminfo", "MemTotal").split()[0]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "constructs_sm"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()

    def version(dist: str) -> str:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return "?"

    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "?",
        "cpu": first("/proc/cpuinfo", "model name"),
        "os": platform.platform(),
        "python": platform.python_version(),
        "aws-cdk-lib": version("aws-cdk-lib"),
        "constructs": version("constructs"),
        "jsii": version("jsii"),
        "node": node,
        "library": os.environ.get("BENCH_LIBRARY_LABEL") or os.environ.get("BENCH_LIBRARY_ROOT") or f"{ROOT} at {commit}" + (" with uncommitted changes in constructs_sm/" if dirty else ""),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def has_training_workflow() -> bool:
    code = "import sys, constructs_sm; sys.exit(0 if hasattr(constructs_sm, 'TrainingWorkflow') else 1)"
    root = os.environ.get("BENCH_LIBRARY_ROOT") or ROOT
    return subprocess.run([PY, "-c", f"import sys; sys.path.insert(0, {root!r}); {code}"], env=ENV, cwd=ROOT).returncode == 0


# ---------------------------------------------------------------- the benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every synth measurement (median)")
    parser.add_argument("--ns", default="1,10,50,100", help="workflow counts")
    parser.add_argument("--no-capacity", action="store_true", help="skip the one-stack capacity checks")
    parser.add_argument("--time-tests", action="store_true", help="also time the whole test suite once")
    parser.add_argument("--library", help="measure constructs_sm from this checkout (e.g. a scratch copy)")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--render-only", metavar="RAW", help="write RESULTS.md from a saved raw pickle, no synthesis")
    args = parser.parse_args()
    if args.render_only:
        with open(args.render_only, "rb") as f:
            saved = pickle.load(f)
        with open(args.output, "w") as f:
            f.write(render(*saved))
        return
    if args.library:
        os.environ["BENCH_LIBRARY_ROOT"] = ENV["BENCH_LIBRARY_ROOT"] = os.path.abspath(args.library)
    ns = [int(x) for x in args.ns.split(",")]
    started = time.perf_counter()
    info = machine()
    load_before = loadavg()
    training = has_training_workflow()
    kinds = ["tuning", "anchor"] + (["training"] if training else [])
    log = lambda msg: print(f"[{time.perf_counter() - started:6.0f}s] {msg}", flush=True)  # noqa: E731
    log(f"kinds {kinds}, N {ns}, {args.reps} reps; TrainingWorkflow exported: {training}")

    # Warm-up (jsii unpacks its bundle on the first cold run), not recorded.
    synth("empty", 0)
    timings: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for rep in range(args.reps):
        r = synth("empty", 0)
        timings.setdefault(("empty", 0), []).append(r)
        log(f"rep {rep + 1} empty: {r['wall']:.2f}s")
        for n in ns:
            for kind in kinds:
                r = synth(kind, n, "--no-limit", keep=(rep == 0))
                timings.setdefault((kind, n), []).append(r)
                log(f"rep {rep + 1} {kind} N={n}: {r['wall']:.2f}s (construct {r['construct']:.2f}, synth {r['synth']:.2f})")

    capacity: dict[str, dict[str, Any]] = {}
    if not args.no_capacity:
        plans = {
            "tuning, shared role+key+SG, N=1": ("tuning", 1, "--shared-sg"),
            "tuning, shared role+key+SG, N=100": ("tuning", 100, "--shared-sg"),
            "tuning, shared role+key+SG, N=100, compact": ("tuning", 100, "--shared-sg", "--compact"),
            "tuning, own role+key+SG (defaults), N=1": ("tuning", 1, "--own"),
            "tuning, own role+key+SG (defaults), N=10": ("tuning", 10, "--own"),
            "anchor, own role+key+SG (defaults), N=1": ("anchor", 1, "--own"),
            "anchor, own role+key+SG (defaults), N=10": ("anchor", 10, "--own"),
            "tuning-sdk (autotune, polling), N=1": ("tuning-sdk", 1),
        }
        if training:
            plans["training, shared role+key+SG, N=1"] = ("training", 1, "--shared-sg")
            plans["training, shared role+key+SG, N=100"] = ("training", 100, "--shared-sg", "--no-limit")
        for label, (kind, n, *flags) in plans.items():
            try:
                capacity[label] = synth(kind, n, *flags, keep=True)
                log(f"capacity {label}: {capacity[label]['resources']} resources, {capacity[label]['bytes_written']} bytes")
            except RuntimeError as error:
                capacity[label] = {"error": str(error)}
                log(f"capacity {label}: FAILED {error}")

    tests: dict[str, Any] | None = None
    if args.time_tests:
        start = time.perf_counter()
        proc = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:randomly", "tests"], capture_output=True, text=True, env=ENV, cwd=ROOT)
        tests = {"seconds": time.perf_counter() - start, "rc": proc.returncode, "summary": (proc.stdout.strip().splitlines() or ["?"])[-1]}
        log(f"test suite: {tests['seconds']:.1f}s rc={tests['rc']} {tests['summary']}")

    total = time.perf_counter() - started
    raw = os.path.join(tempfile.gettempdir(), "constructs_sm-bench-raw.pickle")
    with open(raw, "wb") as f:
        pickle.dump((info, load_before, loadavg(), args.reps, ns, kinds, training, timings, capacity, tests, total), f)
    log(f"raw measurements: {raw} (re-render with --render-only {raw})")
    report = render(info, load_before, loadavg(), args.reps, ns, kinds, training, timings, capacity, tests, total)
    with open(args.output, "w") as f:
        f.write(report)
    log(f"wrote {args.output}")


# ---------------------------------------------------------------- the report


def med(rows: list[dict[str, Any]], key: str = "wall") -> float:
    return statistics.median(r[key] for r in rows)


def linear(first: dict[str, Any], last: dict[str, Any], key: str) -> tuple[float, float]:
    """(per workflow, base) of a figure measured at two N."""
    per = (last[key] - first[key]) / (last["n"] - first["n"])
    return per, first[key] - per * first["n"]


def fits(per_bytes: float, base_bytes: float, per_res: float, base_res: float) -> tuple[int, int]:
    return (
        int((CFN_TEMPLATE_BODY_LIMIT - base_bytes) // per_bytes),
        int((CFN_RESOURCE_LIMIT - base_res) // per_res),
    )


def render(
    info: dict[str, str],
    load_before: str,
    load_after: str,
    reps: int,
    ns: list[int],
    kinds: list[str],
    training: bool,
    timings: dict[tuple[str, int], list[dict[str, Any]]],
    capacity: dict[str, dict[str, Any]],
    tests: dict[str, Any] | None,
    total: float,
) -> str:
    out: list[str] = []
    w = out.append
    floor = med(timings[("empty", 0)])
    w("# Benchmark results (issue 6)\n")
    w("Generated by `.venv/bin/python benchmarks/run.py` (`make bench`); see benchmarks/README.md for what is measured.\n")
    w("## Machine and versions\n")
    w("| | |\n|---|---|")
    for k, v in info.items():
        w(f"| {k} | {v} |")
    w(f"| load average (1/5/15 min) before / after | {load_before} / {load_after} |")
    w(f"| benchmark wall time | {total / 60:.1f} min |")
    w("")

    w("## 1. Synth time\n")
    w(
        f"Wall time of one `python benchmarks/apps.py KIND N` subprocess (Python + jsii + Node start-up, "
        f"imports, construct, `app.synth()`), median of {reps} runs, interleaved. "
        f"Floor (an app with one empty stack): **{floor:.2f} s** (runs: "
        + ", ".join(f"{r['wall']:.2f}" for r in timings[("empty", 0)])
        + "). Per workflow = (median - floor) / N. All apps: one VPC, one shared SageMaker role and KMS key, "
        "a security group, log group (ALL) and X-Ray per workflow; CDK's 500-resource check lifted so that N = 100 "
        "synthesizes with identical settings in both libraries (see section 2 for what fits a deployable stack).\n"
    )
    if not training:
        w("TrainingWorkflow: **not exported by constructs_sm when this ran**; only tuning workflows are measured.\n")
    cpu_floor = med(timings[("empty", 0)], "cpu")
    w(f"CPU floor (user+sys of the process and its Node child): **{cpu_floor:.2f} s**. CPU time is the steadier figure "
      "when other work shares the machine; wall time is what a user waits.\n")
    for kind in [k for k in kinds if k != "anchor"]:
        w(f"### {kind} workflows (ours) vs aws-cdk-lib SageMakerCreateTrainingJob + StateMachine (anchor)\n")
        w("| N | ours wall s | anchor wall s | ours ms/workflow | anchor ms/workflow | **ratio wall** | ours CPU s | anchor CPU s | ours CPU ms/workflow | anchor CPU ms/workflow | **ratio CPU** | ours construct / synth s | anchor construct / synth s |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for n in ns:
            ours, anchor = timings[(kind, n)], timings[("anchor", n)]
            o, a = med(ours), med(anchor)
            po, pa = (o - floor) / n * 1000, (a - floor) / n * 1000
            oc, ac = med(ours, "cpu"), med(anchor, "cpu")
            pco, pca = (oc - cpu_floor) / n * 1000, (ac - cpu_floor) / n * 1000
            w(
                f"| {n} | {o:.2f} | {a:.2f} | {po:.0f} | {pa:.0f} | **{po / pa:.2f}** | {oc:.2f} | {ac:.2f} | {pco:.0f} | {pca:.0f} | **{pco / pca:.2f}** | "
                f"{med(ours, 'construct'):.2f} / {med(ours, 'synth'):.2f} | {med(anchor, 'construct'):.2f} / {med(anchor, 'synth'):.2f} |"
            )
        if len(ns) >= 2:
            lo, hi = ns[0], ns[-1]
            for key, name in (("wall", "wall"), ("cpu", "CPU")):
                mo = (med(timings[(kind, hi)], key) - med(timings[(kind, lo)], key)) / (hi - lo) * 1000
                ma = (med(timings[("anchor", hi)], key) - med(timings[("anchor", lo)], key)) / (hi - lo) * 1000
                w(f"\nMarginal {name} cost of one more workflow between N={lo} and N={hi}: ours {mo:.0f} ms, anchor {ma:.0f} ms, ratio **{mo / ma:.2f}**.")
        w("")
    w("<details><summary>Every run (wall s / CPU s)</summary>\n")
    w("| app | runs |\n|---|---|")
    for (kind, n), rows in timings.items():
        w(f"| {kind} N={n} | " + ", ".join(f"{r['wall']:.2f} / {r['cpu']:.2f}" for r in rows) + " |")
    w("\n</details>\n")

    w("## 2. Template size and capacity of one stack\n")
    w(
        f"Limits: template body {CFN_TEMPLATE_BODY_LIMIT:,} bytes (CloudFormation, template uploaded to S3; CDK checks 1e6), "
        f"{CFN_RESOURCE_LIMIT} resources; Step Functions definition {SFN_DEFINITION_LIMIT:,} characters. "
        "'written' is the file CDK writes and uploads (1-space indentation unless `suppress_template_indentation=True`); "
        "'minified' is the same JSON without whitespace. Per workflow and base come from two N (linear).\n"
    )
    w("| configuration | N | resources | bytes written | bytes minified | resource types | Lambda functions | custom resources |")
    w("|---|---|---|---|---|---|---|---|")
    rows: list[tuple[str, dict[str, Any]]] = []
    for kind in kinds:
        for n in (ns[0], ns[-1]):
            rows.append((f"{kind} (timing apps: per-workflow SG)", timings[(kind, n)][0]))
    rows += [(label, r) for label, r in capacity.items() if "error" not in r]
    for label, r in rows:
        types = ", ".join(f"{t.split('::', 1)[1]} {c}" for t, c in sorted(r["types"].items(), key=lambda x: -x[1]))
        w(f"| {label} | {r['n']} | {r['resources']} | {r['bytes_written']:,} | {r['bytes_minified']:,} | {types} | {r['lambdas']} | {r['custom_resources']} |")
    for label, r in capacity.items():
        if "error" in r:
            w(f"| {label} | | FAILED: {r['error'].splitlines()[-1][:200]} | | | | | |")
    w("")

    w("### Per workflow and how many fit one stack\n")
    w("| configuration | resources / workflow | bytes written / workflow | bytes minified / workflow | base resources | max workflows (written) | max workflows (compact) | bound by |")
    w("|---|---|---|---|---|---|---|---|")
    pairs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for kind in kinds:
        pairs.append((f"{kind}: shared role+key, SG per workflow (timing apps)", timings[(kind, ns[0])][0], timings[(kind, ns[-1])][0]))
    for prefix in ("tuning, shared role+key+SG", "tuning, own role+key+SG (defaults)", "anchor, own role+key+SG (defaults)", "training, shared role+key+SG"):
        keys = [k for k in capacity if k.startswith(prefix) and "compact" not in k and "error" not in capacity[k]]
        if len(keys) >= 2:
            pairs.append((prefix, capacity[keys[0]], capacity[keys[-1]]))
    for label, a, b in pairs:
        pr, br = linear(a, b, "resources")
        pw, bw = linear(a, b, "bytes_written")
        pm, bm = linear(a, b, "bytes_minified")
        by_written, by_res = fits(pw, bw, pr, br)
        by_compact, _ = fits(pm, bm, pr, br)
        written, compact = min(by_written, by_res), min(by_compact, by_res)
        bound = "resources" if by_res <= min(by_written, by_compact) else ("template bytes" if by_compact < by_res else "bytes (written); resources (compact)")
        w(f"| {label} | {pr:.2f} | {pw:,.0f} | {pm:,.0f} | {br:.0f} | {written} | {compact} | {bound} |")
    w("\nMax workflows = min(floor((1,000,000 - base bytes) / bytes per workflow), floor((500 - base resources) / resources per workflow)). "
      "'compact' = the stack built with `suppress_template_indentation=True` (minified bytes).\n")

    checked = [(label, r) for label, r in capacity.items() if "error" not in r and r["n"] == 100 and "--no-limit" not in r["flags"]]
    if checked:
        w("Checked by synthesis with CDK's own limits in force (no `--no-limit`):\n")
        for label, r in checked:
            w(f"- {label}: {r['resources']} resources, {r['bytes_written']:,} bytes written ({'within' if r['bytes_written'] <= CFN_TEMPLATE_BODY_LIMIT else 'OVER'} 1 MB), "
              f"{r['bytes_minified']:,} minified; synth {r['wall']:.1f} s.")
        w("")

    w("### State machine definition size\n")
    w("| library | characters as synthesized | characters resolved (long ARNs) | share of the 1,048,576 limit |")
    w("|---|---|---|---|")
    for kind in kinds:
        props = state_machines(timings[(kind, ns[0])][0]["template_json"])[0]
        syn, res = definition_sizes(props)
        w(f"| {kind} | {syn:,} | {res:,} | {res / SFN_DEFINITION_LIMIT:.2%} |")
    sdk = capacity.get("tuning-sdk (autotune, polling), N=1")
    if sdk and "error" not in sdk:
        syn, res = definition_sizes(state_machines(sdk["template_json"])[0])
        w(f"| tuning-sdk (autotune) | {syn:,} | {res:,} | {res / SFN_DEFINITION_LIMIT:.2%} |")
    w("")

    w(f"## 3. Run cost of one successful execution ({JOB_SECONDS // 3600}-hour job)\n")
    w(
        "States entered on the shortest path from StartAt to Succeed, read from the synthesized definition; a `.sync` "
        f"Task is one state however long the job runs; a Wait/Describe/Choice loop runs once per {POLL_SECONDS} s "
        f"({math.ceil(JOB_SECONDS / POLL_SECONDS)} times). Price: ${PRICE_PER_1000_TRANSITIONS} per 1,000 transitions (Standard).\n"
    )
    w("| design | states entered | Tasks (API calls by Step Functions) | Lambda functions | cost per execution | cost per 10,000 executions | path |")
    w("|---|---|---|---|---|---|---|")
    designs: list[tuple[str, dict[str, Any]]] = []
    for kind in kinds:
        designs.append((f"{kind} (.sync)" if kind != "anchor" else "anchor: SageMakerCreateTrainingJob .sync", timings[(kind, ns[0])][0]))
    if sdk and "error" not in sdk:
        designs.append(("Wait/Describe polling every minute (ours with autotune=True)", sdk))
    for label, r in designs:
        cost = success_transitions(parse_definition(state_machines(r["template_json"])[0]))
        usd = cost["transitions"] * PRICE_PER_1000_TRANSITIONS / 1000
        path = " > ".join(cost["path"])
        if cost["loop"]:
            path += f" (loop {' > '.join(cost['loop'])} x {cost['polls']})"
        w(f"| {label} | **{cost['transitions']}** | {len(cost['tasks']) + max(cost['polls'] - 1, 0) * sum(1 for s in cost['loop'] if s in cost['tasks'])} | {r['lambdas']} | ${usd:.6f} | ${usd * 10000:.2f} | {path} |")
    w("")

    w("## 4. Test suite\n")
    if tests:
        w(f"`.venv/bin/python -m pytest -q tests`: **{tests['seconds']:.1f} s** (exit {tests['rc']}; {tests['summary']}).\n")
    else:
        w("Not timed in this run (`--time-tests`).\n")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
