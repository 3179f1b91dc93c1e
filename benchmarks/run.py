#!/usr/bin/env python3
"""The performance benchmark of issue 6: synth time, jsii calls, template size and capacity, run cost.

    .venv/bin/python benchmarks/run.py            # or: make bench (adds --time-tests)
    .venv/bin/python benchmarks/run.py --reps 1 --ns 1,10 --no-capacity   # a quick look

Every synthesis runs in its own subprocess (benchmarks/apps.py), so each measurement pays
Python, jsii and Node start-up the same way; the parent times the whole subprocess (wall, and
CPU = user + sys of the process and of its Node child). Measurements are interleaved (rep by
rep, N by N, library by library, validation on and off; the library order is reversed every
other rep) so that drift in the machine's load hits ours and the anchor alike. aws-cdk-lib's
template validation at app.synth() is switched off for a run with the environment variable
CDK_VALIDATION=false (aws-cdk-lib 2.275, core/lib/private/synthesis-validation.js:
``defaultValidationEnabled(app) = app._builtinCloudFormationValidation &&
process.env.CDK_VALIDATION !== "false"``). Results go to benchmarks/RESULTS.md.
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
APPS = os.path.join(HERE, "apps.py")

CFN_TEMPLATE_BODY_LIMIT = 1_000_000  # CloudFormation: template body in S3 (1 MB)
CFN_RESOURCE_LIMIT = 500  # CloudFormation: resources per stack
IAM_MANAGED_POLICIES_PER_ROLE = 10  # IAM default quota (can be raised to 20)
IAM_MANAGED_POLICY_CHARS = 6_144  # IAM: customer managed policy, characters without whitespace
IAM_ROLE_INLINE_CHARS = 10_240  # IAM: all inline policies of a role together, characters without whitespace
SFN_DEFINITION_LIMIT = 1_048_576  # characters, Step Functions state machine definition
PRICE_PER_1000_TRANSITIONS = 0.025  # USD, Standard workflows, us-east-1 (Step Functions pricing page)
JOB_SECONDS = 2 * 3600
POLL_SECONDS = 60
# The targets of the issue, read at TARGET_N tuning workflows.
TARGET_N = 100
TARGET_CPU_RATIO = 0.8  # whole-process CPU, ours / anchor
TARGET_MARGINAL_RATIO = 0.5  # CPU per workflow above the empty-app floor, ours / anchor
TARGET_N1_RATIO = 1.05  # whole-process CPU at N = 1 (start-up and import time), ours / anchor
TARGET_CAPACITY = 150  # tuning workflows in one deployable stack (role, key, security group shared)
# States of our definitions that only a failed or retried execution enters.
FAILURE_PATH_STATES = {"Transient error", "Wait to retry", "Retry"}

BASE_ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PYTHONDONTWRITEBYTECODE": "1"}
# aws-cdk-lib's JS tests process.env.CDK_VALIDATION !== "false"; the Node child inherits the app's environment.
VALIDATION_ENV = {"on": "true", "off": "false"}
PYTEST_PARALLEL = ["-n", "auto"]  # as the Makefile's test target
KIND_LABEL = {"tuning": "TuningWorkflow", "training": "TrainingWorkflow", "anchor": "anchor", "tuning-sdk": "TuningWorkflow(autotune)"}


# ---------------------------------------------------------------- one synthesis


def synth(kind: str, n: int, *flags: str, validation: str = "off", keep: bool = False) -> dict[str, Any]:
    """Synthesize one app in a fresh process; wall and CPU time, phases, jsii counts, template figures."""
    outdir = tempfile.mkdtemp(prefix=f"bench-{kind}-{n}-")
    env = {**BASE_ENV, "CDK_VALIDATION": VALIDATION_ENV[validation]}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([PY, APPS, kind, str(n), outdir, *flags], stdout=out, stderr=err, text=True, env=env, cwd=ROOT)
        # wait4: this child's own rusage, with that of the Node process it waits for at exit (jsii's
        # atexit stop() waits on it, so the kernel folds it into its parent's).
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        proc = subprocess.CompletedProcess(child.args, child.returncode, out.read(), err.read())
    # CPU seconds of the process and of its Node child: less sensitive than wall time to other work
    # on the machine. Peak memory: the larger of the two processes' maximum resident set sizes
    # (ru_maxrss, KiB on Linux), so Python's and Node's peaks are not added.
    cpu = usage.ru_utime + usage.ru_stime
    max_rss_mib = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    try:
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
            raise RuntimeError(f"{kind} N={n} {' '.join(flags)} failed:\n{tail}")
        phases = json.loads(proc.stdout.strip().splitlines()[-1])
        result: dict[str, Any] = {
            "kind": kind, "n": n, "flags": flags, "validation_variant": validation, "wall": wall, "cpu": cpu, "max_rss_mib": max_rss_mib, **phases
        }
        with open(phases["template"], "rb") as f:
            written = f.read()
        template = json.loads(written)
        result.update(template_figures(written, template))
        if keep:
            result["iam"] = iam_figures(template)
            inline = [p for p in state_machines(template) if "DefinitionString" in p]  # not in S3
            result["definitions"] = [definition_figures(p) for p in inline[:1]]
        return result
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def _written_entry_bytes(logical_id: str, resource_: Any) -> int:
    """Bytes one resource takes in the template as CDK writes it (JSON.stringify(t, undefined, 1)):
    at depth 2 under Resources, so every line of it is indented by two more spaces."""
    body = json.dumps(resource_, indent=1, ensure_ascii=False)
    return len(("  " + json.dumps(logical_id) + ": " + body.replace("\n", "\n  ")).encode()) + 2  # ",\n"


def template_figures(written: bytes, template: dict[str, Any]) -> dict[str, Any]:
    resources = template.get("Resources", {})
    types = Counter(r["Type"] for r in resources.values())
    by_type_written: Counter[str] = Counter()
    by_type_minified: Counter[str] = Counter()
    for lid, r in resources.items():
        by_type_written[r["Type"]] += _written_entry_bytes(lid, r)
        by_type_minified[r["Type"]] += len(json.dumps({lid: r}, separators=(",", ":"), ensure_ascii=False).encode()) - 1  # + "," - "{}"
    return {
        "bytes_written": len(written),
        "bytes_minified": len(json.dumps(template, separators=(",", ":"), ensure_ascii=False).encode()),
        "resources": len(resources),
        "types": dict(types),
        "type_bytes_written": dict(by_type_written),
        "type_bytes_minified": dict(by_type_minified),
        "lambdas": sum(c for t, c in types.items() if t in ("AWS::Lambda::Function", "AWS::Serverless::Function")),
        "custom_resources": sum(c for t, c in types.items() if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"),
    }


# ---------------------------------------------------------------- IAM sizes, with CloudFormation's values substituted

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"  # the benchmark stack's environment (apps.py)


def _physical_name(logical_id: str, limit: int = 64) -> str:
    """A name CloudFormation generates: stack name, logical ID, 12-13 random characters, truncated."""
    return f"Bench-{logical_id}-ABCDEFGHIJKLM"[:limit]


def _ref(template: dict[str, Any], name: str) -> str:
    pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "Bench"}
    if name in pseudo:
        return pseudo[name]
    kind = template.get("Resources", {}).get(name, {}).get("Type", "")
    if kind == "AWS::KMS::Key":
        return "12345678-1234-1234-1234-123456789012"
    if kind == "AWS::EC2::SecurityGroup":
        return "sg-0123456789abcdef0"
    if kind == "AWS::EC2::Subnet":
        return "subnet-0123456789abcdef0"
    if kind == "AWS::EC2::VPC":
        return "vpc-0123456789abcdef0"
    if kind in ("AWS::IAM::ManagedPolicy", "AWS::StepFunctions::StateMachine"):
        return _get_att(template, name, "Arn")
    if name in template.get("Parameters", {}):
        return "x" * 64
    return _physical_name(name)


def _get_att(template: dict[str, Any], name: str, attribute: str) -> str:
    kind = template.get("Resources", {}).get(name, {}).get("Type", "")
    pn = _physical_name(name)
    arns = {
        "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{pn}",
        "AWS::IAM::ManagedPolicy": f"arn:{PARTITION}:iam::{ACCOUNT}:policy/{pn}",
        "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012",
        "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{_physical_name(name, 512)}:*",
        "AWS::StepFunctions::StateMachine": f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{_physical_name(name, 80)}",
        "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{_physical_name(name, 63).lower()}",
    }
    if attribute == "Arn":
        return arns.get(kind, f"arn:{PARTITION}:service:{REGION}:{ACCOUNT}:{pn}")
    if attribute in ("GroupId",):
        return "sg-0123456789abcdef0"
    if attribute in ("RoleId",):
        return "AROA0123456789ABCDEFG"
    return pn


def resolve(value: Any, template: dict[str, Any]) -> Any:
    """The value with its intrinsic functions replaced by what CloudFormation would put there
    (pseudo parameters of the stack's environment, generated physical names and ARNs)."""
    if isinstance(value, list):
        return [resolve(v, template) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return _ref(template, arg)
        if fn == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return _get_att(template, name, attribute)
        if fn == "Fn::Join":
            parts = resolve(arg[1], template)
            return arg[0].join(p if isinstance(p, str) else json.dumps(p) for p in parts)
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], template))

            def sub(m: re.Match[str]) -> str:
                var = m.group(1)
                if var in variables:
                    return str(variables[var])
                if "." in var and not var.startswith("AWS::"):
                    return _get_att(template, *var.split(".", 1))
                return _ref(template, var)

            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if fn == "Fn::Select":
            items = resolve(arg[1], template)
            return items[int(arg[0])] if isinstance(items, list) and len(items) > int(arg[0]) else "us-east-1a"
        if fn == "Fn::GetAZs":
            return [f"{REGION}{z}" for z in "abcdef"]
        if fn == "Fn::Split":
            return resolve(arg[1], template).split(arg[0])
        if fn == "Fn::If":
            return resolve(arg[1], template)
        if fn == "Fn::ImportValue":
            return "x" * 128
    return {k: resolve(v, template) for k, v in value.items()}


def policy_chars(document: Any, template: dict[str, Any]) -> tuple[int, int]:
    """(characters as written in the template, characters once CloudFormation resolves it),
    both JSON without whitespace, which is how IAM counts a policy's size."""
    as_written = len(json.dumps(document, separators=(",", ":")))
    return as_written, len(json.dumps(resolve(document, template), separators=(",", ":")))


def iam_figures(template: dict[str, Any]) -> dict[str, Any]:
    """Per role: managed policies attached, the largest of them, the inline policies' total."""
    res = template.get("Resources", {})
    roles = [lid for lid, r in res.items() if r["Type"] == "AWS::IAM::Role"]
    attached: dict[str, set[str]] = {lid: set() for lid in roles}
    inline: dict[str, list[int]] = {lid: [] for lid in roles}
    managed_sizes: dict[str, tuple[int, int]] = {}

    def role_of(ref: Any) -> str | None:
        return ref["Ref"] if isinstance(ref, dict) and ref.get("Ref") in attached else None

    for lid, r in res.items():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::IAM::ManagedPolicy":
            managed_sizes[lid] = policy_chars(props.get("PolicyDocument", {}), template)
            for ref in props.get("Roles", []):
                if role_of(ref):
                    attached[role_of(ref)].add(lid)  # type: ignore[index]
        elif r["Type"] == "AWS::IAM::Policy":  # CloudFormation's AWS::IAM::Policy is an inline policy
            size = policy_chars(props.get("PolicyDocument", {}), template)[1]
            for ref in props.get("Roles", []):
                if role_of(ref):
                    inline[role_of(ref)].append(size)  # type: ignore[index]
        elif r["Type"] == "AWS::IAM::RolePolicy" and role_of(props.get("RoleName")):
            inline[role_of(props.get("RoleName"))].append(policy_chars(props.get("PolicyDocument", {}), template)[1])  # type: ignore[index]
    for lid in roles:
        props = res[lid].get("Properties", {})
        for arn in props.get("ManagedPolicyArns", []):
            attached[lid].add(arn["Ref"] if isinstance(arn, dict) and "Ref" in arn else json.dumps(arn, sort_keys=True))
        for policy in props.get("Policies", []):
            inline[lid].append(policy_chars(policy.get("PolicyDocument", {}), template)[1])
    per_role = {
        lid: {
            "managed": len(attached[lid]),
            "largest_managed": max((managed_sizes[p][1] for p in attached[lid] if p in managed_sizes), default=0),
            "inline_total": sum(inline[lid]),
            "inline_count": len(inline[lid]),
        }
        for lid in roles
    }
    most = max(per_role, key=lambda k: per_role[k]["managed"], default=None)
    return {
        "roles": len(roles),
        "managed_policies": len(managed_sizes),
        "max_managed_per_role": per_role[most]["managed"] if most else 0,
        "role_with_most_managed": most,
        "largest_managed_policy": max((v[1] for v in managed_sizes.values()), default=0),
        "largest_managed_policy_as_written": max((v[0] for v in managed_sizes.values()), default=0),
        "max_inline_per_role": max((v["inline_total"] for v in per_role.values()), default=0),
        "roles_over_managed": sum(1 for v in per_role.values() if v["managed"] > IAM_MANAGED_POLICIES_PER_ROLE),
        "policies_over_size": sum(1 for v in managed_sizes.values() if v[1] > IAM_MANAGED_POLICY_CHARS),
        "roles_over_inline": sum(1 for v in per_role.values() if v["inline_total"] > IAM_ROLE_INLINE_CHARS),
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


def definition_figures(props: dict[str, Any]) -> dict[str, Any]:
    chars, resolved = definition_sizes(props)
    return {"chars": chars, "resolved_chars": resolved, "run": success_transitions(parse_definition(props))}


def _successors(state: dict[str, Any]) -> list[str]:
    """States a successful execution may enter next: Next, each Choice rule's Next (a rule with
    And/Or/Not carries its Next at its top level; the nested rules carry none), Default. Catch
    targets are not followed: a caught error is not a success."""
    nxt = [state["Next"]] if "Next" in state else []
    nxt += [rule["Next"] for rule in state.get("Choices", []) if "Next" in rule]
    if "Default" in state:
        nxt.append(state["Default"])
    return nxt


def _on_success_path(name: str, state: dict[str, Any]) -> bool:
    return name not in FAILURE_PATH_STATES and state["Type"] != "Fail"


def _is_success_end(state: dict[str, Any]) -> bool:
    return state["Type"] == "Succeed" or (state.get("End") is True and state["Type"] != "Fail")


def _shortest(states: dict[str, Any], start: str, goal: Any) -> list[str]:
    """Breadth-first: the shortest path from start to a state satisfying goal, through success-path states only."""
    frontier, seen = [[start]], {start}
    while frontier:
        path = frontier.pop(0)
        for succ in _successors(states[path[-1]]):
            if not _on_success_path(succ, states[succ]):
                continue
            if goal(succ, states[succ]):
                return path + [succ]
            if succ not in seen:
                seen.add(succ)
                frontier.append(path + [succ])
    raise ValueError(f"no success path from {start}")


def success_transitions(definition: dict[str, Any]) -> dict[str, Any]:
    """States entered by one successful execution: the shortest path from StartAt to a Succeed
    state or an End state, never through a Fail state or the failure-path states (Transient
    error, Wait to retry, Retry) nor a Catch.

    A Wait/Describe/Choice loop on the path is run once per POLL_SECONDS of a JOB_SECONDS job.
    A `.sync` Task is one state entered however long the job runs.
    """
    states = definition["States"]
    start = definition["StartAt"]
    if _is_success_end(states[start]):
        path = [start]
    else:
        path = _shortest(states, start, lambda _name, s: _is_success_end(s))
    loop: list[str] = []
    for name in path:
        if states[name]["Type"] == "Wait":
            back = _shortest(states, name, lambda n2, _s, w=name: n2 == w)
            loop = back[:-1]
            break
    polls = math.ceil(JOB_SECONDS / int(states[loop[0]].get("Seconds", POLL_SECONDS))) if loop else 0
    total = len(path) + max(polls - 1, 0) * len(loop)
    tasks = [n for n in path if states[n]["Type"] == "Task"]
    api_calls = len(tasks) + max(polls - 1, 0) * sum(1 for s in loop if states[s]["Type"] == "Task")
    failure_states = sorted(n for n in states if n in FAILURE_PATH_STATES)
    return {"path": path, "loop": loop, "polls": polls, "transitions": total, "tasks": tasks, "api_calls": api_calls, "failure_path_states": failure_states}


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
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def has_training_workflow() -> bool:
    code = "import sys, constructs_sm; sys.exit(0 if hasattr(constructs_sm, 'TrainingWorkflow') else 1)"
    root = os.environ.get("BENCH_LIBRARY_ROOT") or ROOT
    return subprocess.run([PY, "-c", f"import sys; sys.path.insert(0, {root!r}); {code}"], env=BASE_ENV, cwd=ROOT).returncode == 0


# ---------------------------------------------------------------- the benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every timed synthesis (median, min-max); default 3")
    parser.add_argument("--ns", default="1,10,50,100,150", help="workflow counts of tuning and anchor; default 1,10,50,100,150")
    parser.add_argument(
        "--training-ns", help=f"workflow counts of training ('' = none); default the smallest N and {TARGET_N} (or the largest N if smaller)"
    )
    parser.add_argument("--validation", default="on,off", help="aws-cdk-lib template validation variants to time; default on,off")
    parser.add_argument("--no-capacity", action="store_true", help="skip the one-stack capacity checks")
    parser.add_argument("--capacity-n", type=int, default=TARGET_CAPACITY, help=f"tuning workflows of the capacity check; default {TARGET_CAPACITY}")
    parser.add_argument("--time-tests", action="store_true", help="also time the whole test suite once")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs of ours and the anchor at N = 100")
    parser.add_argument("--library", help="measure constructs_sm from this checkout (e.g. a scratch copy)")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--render-only", metavar="RAW", help="write RESULTS.md from a saved raw pickle, no synthesis")
    args = parser.parse_args()
    if args.render_only:
        with open(args.render_only, "rb") as f:
            saved = pickle.load(f)
        with open(args.output, "w") as f:
            f.write(render(saved))
        return
    if args.library:
        os.environ["BENCH_LIBRARY_ROOT"] = BASE_ENV["BENCH_LIBRARY_ROOT"] = os.path.abspath(args.library)
    ns = sorted({int(x) for x in args.ns.split(",") if x})
    asked = [v for v in args.validation.split(",") if v]
    variants = [v for v in VALIDATION_ENV if v in asked]  # on before off: the kept templates are of the last
    if not ns or not variants or any(v not in VALIDATION_ENV for v in asked):
        parser.error("--ns needs at least one N; --validation takes on and/or off")
    started = time.perf_counter()
    info = machine()
    load_before = loadavg()
    training = has_training_workflow()
    if args.training_ns is None:
        args.training_ns = f"{min(ns)},{TARGET_N if TARGET_N in ns else max(ns)}"
    training_ns = sorted({int(x) for x in args.training_ns.split(",") if x}) if training else []
    log = lambda msg: print(f"[{time.perf_counter() - started:6.0f}s] {msg}", flush=True)  # noqa: E731
    log(f"N {ns}, training N {training_ns or 'none'} (TrainingWorkflow exported: {training}), validation {variants}, {args.reps} reps; load {load_before}")

    def kinds_at(n: int) -> list[str]:
        return ["tuning", "anchor"] + (["training"] if n in training_ns else [])

    def variants_of(kind: str) -> list[str]:
        # Validation adds about the same cost to every app (see tuning and anchor): training, the
        # "if cheap" part of the issue, is timed with the last variant only (off when off is asked).
        return variants[-1:] if kind == "training" else variants

    # The library's bytecode, as `pip install` writes it for a wheel (aws-cdk-lib's is written at
    # its install): the runs set PYTHONDONTWRITEBYTECODE, so an editable checkout would otherwise be
    # compiled from source in every run (about 0.1 s at N = 1), which no installed user pays.
    compile_library()
    # Warm-up (jsii unpacks its runtime, the OS caches the bundles), not recorded.
    synth("empty", 0, validation=variants[0])
    timings: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    rep_loads: list[str] = []
    for rep in range(args.reps):
        rep_loads.append(loadavg())
        log(f"rep {rep + 1}: load {rep_loads[-1]}")
        flip = rep % 2 == 1  # alternate which library and which variant goes first
        for variant in variants[::-1] if flip else variants:
            r = synth("empty", 0, validation=variant)
            timings[(variant, "empty", 0)].append(r)
            log(f"rep {rep + 1} empty, validation {variant}: wall {r['wall']:.2f}s, CPU {r['cpu']:.2f}s")
        for n in sorted(set(ns) | set(training_ns)):
            kinds = [k for k in kinds_at(n) if n in ns or k == "training"]
            for kind in kinds[::-1] if flip else kinds:
                for variant in variants_of(kind)[::-1] if flip else variants_of(kind):
                    keep = rep == 0 and variant == variants[-1] and n in (min(ns), max(ns), min(training_ns, default=-1), max(training_ns, default=-1))
                    r = synth(kind, n, "--no-limit", validation=variant, keep=keep)
                    timings[(variant, kind, n)].append(r)
                    j = r["jsii"]["construct"]
                    log(
                        f"rep {rep + 1} {kind} N={n} validation {variant}: wall {r['wall']:.2f}s, CPU {r['cpu']:.2f}s "
                        f"(construct {r['construct']:.2f}, synth {r['synth']:.2f}; jsii {j['calls']} calls + {j['callbacks']} callbacks)"
                    )

    capacity: dict[str, list[dict[str, Any]]] = {}
    if not args.no_capacity:
        cn = args.capacity_n
        plans: dict[str, list[tuple[Any, ...]]] = {
            "tuning, shared role+key+SG": [("tuning", 1, "--shared-sg"), ("tuning", cn, "--shared-sg")],
            "tuning, shared role+key+SG+log group, definitions in S3": [("tuning", 1, "--shared-sg", "--many"), ("tuning", cn, "--shared-sg", "--many")],
            "tuning, own role+key+SG (defaults)": [("tuning", 1, "--own"), ("tuning", 10, "--own")],
            "anchor, own role+key+SG (defaults)": [("anchor", 1, "--own"), ("anchor", 10, "--own")],
            "tuning-sdk (autotune, polling)": [("tuning-sdk", 1)],
        }
        if training:
            plans["training, shared role+key+SG"] = [("training", 1, "--shared-sg"), ("training", cn, "--shared-sg")]
        for label, runs in plans.items():
            capacity[label] = []
            for kind, n, *flags in runs:
                try:
                    # --no-limit: measure past 500 resources too; the limits are checked on the template.
                    r = synth(kind, n, "--no-limit", *flags, validation="off", keep=True)
                    log(f"capacity {label} N={n}: {r['resources']} resources, {r['bytes_written']:,} bytes, wall {r['wall']:.1f}s")
                except RuntimeError as error:
                    r = {"kind": kind, "n": n, "flags": tuple(flags), "error": str(error)}
                    log(f"capacity {label} N={n}: FAILED {error}")
                capacity[label].append(r)

    profiles: dict[str, Any] = {}
    if not args.no_profile:
        for kind in ("tuning", "anchor"):
            profiles[kind] = profile_run(kind, TARGET_N if TARGET_N in ns else max(ns))
            log(f"profile {kind}: {profiles[kind]['total']:.2f}s under cProfile")

    tests: dict[str, Any] | None = None
    if args.time_tests:
        start = time.perf_counter()
        # The README's test command runs pytest so (Makefile, target test): one worker per core.
        command = [PY, "-m", "pytest", "-q", *PYTEST_PARALLEL, "tests"]
        proc = subprocess.run(command, capture_output=True, text=True, env=BASE_ENV, cwd=ROOT)
        tests = {
            "seconds": time.perf_counter() - start, "rc": proc.returncode, "summary": (proc.stdout.strip().splitlines() or ["?"])[-1],
            "command": " ".join(["pytest", *command[3:]]), "cores": os.cpu_count(),
        }
        log(f"test suite: {tests['seconds']:.1f}s rc={tests['rc']} {tests['summary']}")

    saved = {
        "info": info, "load_before": load_before, "load_after": loadavg(), "rep_loads": rep_loads, "reps": args.reps,
        "ns": ns, "training_ns": training_ns, "variants": variants, "capacity_n": args.capacity_n, "timings": dict(timings),
        "capacity": capacity, "tests": tests, "profiles": profiles, "total": time.perf_counter() - started, "argv": sys.argv[1:],
    }
    raw = os.path.join(tempfile.gettempdir(), "constructs_sm-bench-raw.pickle")
    with open(raw, "wb") as f:
        pickle.dump(saved, f)
    log(f"raw measurements: {raw} (re-render with --render-only {raw})")
    with open(args.output, "w") as f:
        f.write(render(saved))
    log(f"wrote {args.output} (load now {saved['load_after']})")


def type_difference(ours: dict[str, int], anchor: dict[str, int]) -> str:
    diff = {t.removeprefix("AWS::"): ours.get(t, 0) - anchor.get(t, 0) for t in sorted(set(ours) | set(anchor))}
    return ", ".join(f"{t} {d:+d}" for t, d in diff.items() if d)


def compile_library() -> None:
    """Byte-compile the measured checkout's package (what ``pip install`` does for a wheel)."""
    root = os.environ.get("BENCH_LIBRARY_ROOT", ROOT)
    env = {k: v for k, v in BASE_ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([PY, "-m", "compileall", "-q", os.path.join(root, "constructs_sm")], check=True, env=env, stdout=subprocess.DEVNULL)


# Where a profiled app's time goes, by who spends it: the first pattern that matches "file:function"
# (built-ins have file "~"). jsii reads Node's answer to every message with a blocking readline.
PROFILE_BUCKETS = (
    ("waiting for Node (jsii round trips: Node creates the constructs, renders and writes the template)",
     r"^~:<method '(readline' of '_io\.BufferedReader|(flush|write)' of '_io\.BufferedWriter)'"),
    ("jsii's Python side (serialising, proxies, argument type checks)", r"/(jsii|typeguard|cattrs)/|typing_extensions\.py:"),
    ("aws_cdk's Python bindings (class definitions at import)", r"/aws_cdk/"),
    ("constructs_sm: requests and botocore's model (api/)", r"constructs_sm/api/"),
    ("constructs_sm: definitions (asl/)", r"constructs_sm/asl/"),
    ("constructs_sm: IAM, keys, roles (iam/)", r"constructs_sm/iam/"),
    ("constructs_sm: props, core, workflows, tasks", r"constructs_sm/"),
    ("the benchmark app (apps.py)", r"benchmarks/apps\.py:"),
    ("importing modules (compile, unmarshal, class bodies)", r"<frozen importlib|importlib/|^~:<built-in method (builtins\.compile|marshal\.loads|builtins\.__build_class__)>"),
    ("json, re, copy, enum (standard library)", r"/(json|re|copy|enum|sre_\w+)(/|\.py:)"),
)


def profile_run(kind: str, n: int) -> dict[str, Any]:
    """One run of ``apps.py kind n`` under cProfile (validation off): self time grouped into buckets,
    and the functions of constructs_sm with the most self time."""
    import pstats

    outdir = tempfile.mkdtemp(prefix=f"bench-profile-{kind}-{n}-")
    prof = os.path.join(outdir, "run.prof")
    env = {**BASE_ENV, "CDK_VALIDATION": "false"}
    try:
        subprocess.run([PY, "-m", "cProfile", "-o", prof, APPS, kind, str(n), outdir, "--no-limit"], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stats: Any = pstats.Stats(prof).stats
        buckets: Counter[str] = Counter()
        ours: Counter[str] = Counter()
        total = 0.0
        for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
            total += tottime
            where = f"{filename}:{function}"
            for label, pattern in PROFILE_BUCKETS:
                if re.search(pattern, where):
                    buckets[label] += tottime
                    break
            else:
                buckets["other (the interpreter, built-ins, other libraries)"] += tottime
            if "constructs_sm/" in filename:
                short = filename[filename.index("constructs_sm/"):]
                ours[f"{short}:{function}"] += tottime
        return {"kind": kind, "n": n, "total": total, "buckets": dict(buckets), "ours_top": ours.most_common(12)}
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def render_gap(w: Callable[[str], None], timings: dict[tuple[str, str, int], list[dict[str, Any]]], variants: list[str], ns: list[int],
               profiles: dict[str, Any]) -> None:
    """Section 1b: what stands between the measured figures and the targets."""
    n = TARGET_N if TARGET_N in ns else max(ns)
    lo = min(ns)
    w("### What stands between the figures and the targets\n")
    w(f"Where the CPU of {n} workflows goes (medians; Python CPU per phase measured inside the app process, the rest is the Node process "
      "and interpreter start-up), and the budget the 0.8x target leaves. The template must stay as it is (snapshots), so Node's cost of "
      "rendering and validating it, `app.synth()`, is a floor for ours as it is for the anchor.\n")
    w("| validation | part | ours | anchor |")
    w("|---|---|---|---|")
    for v in variants:
        o, a = timings[(v, "tuning", n)], timings[(v, "anchor", n)]
        floor = med(timings[(v, "empty", 0)])
        rows = [
            ("whole-process CPU s", med(o), med(a), "{:.2f}"),
            ("empty-app floor CPU s (start-up, imports, an empty synth)", floor, floor, "{:.2f}"),
            ("Python CPU, construct phase s", med(o, "py_cpu_construct"), med(a, "py_cpu_construct"), "{:.2f}"),
            ("construct phase wall s (Python + every jsii round trip)", med(o, "construct"), med(a, "construct"), "{:.2f}"),
            ("`app.synth()` wall s (Node renders, validates, writes)", med(o, "synth"), med(a, "synth"), "{:.2f}"),
            ("jsii messages", jsii_total(o[0]), jsii_total(a[0]), "{:,.0f}"),
            ("template bytes", o[0].get("bytes_written", 0), a[0].get("bytes_written", 0), "{:,.0f}"),
        ]
        for label, x, y, fmt in rows:
            w(f"| {v} | {label} | {fmt.format(x)} | {fmt.format(y)} |")
    w("")
    for v in variants:
        o, a = timings[(v, "tuning", n)], timings[(v, "anchor", n)]
        floor = med(timings[(v, "empty", 0)])
        budget = TARGET_CPU_RATIO * med(a)
        fixed = floor + max(med(o, "synth") - med(timings[(v, "empty", 0)], "synth"), 0.0)
        left = budget - fixed
        per_wf_ms = left / n * 1000
        lo_o, lo_a = timings[(v, "tuning", lo)], timings[(v, "anchor", lo)]
        msg_o = (jsii_total(o[0]) - jsii_total(lo_o[0])) / max(n - lo, 1)
        msg_a = (jsii_total(a[0]) - jsii_total(lo_a[0])) / max(n - lo, 1)
        wall_o = (med(o, "construct") - med(lo_o, "construct")) / max(n - lo, 1) * 1000
        py_o = (med(o, "py_cpu_construct") - med(lo_o, "py_cpu_construct")) / max(n - lo, 1) * 1000
        wall_a = (med(a, "construct") - med(lo_a, "construct")) / max(n - lo, 1) * 1000
        py_a = (med(a, "py_cpu_construct") - med(lo_a, "py_cpu_construct")) / max(n - lo, 1) * 1000
        per_msg_o = wall_o / msg_o if msg_o else float("nan")
        per_msg_a = wall_a / msg_a if msg_a else float("nan")
        py_rate_a = py_a / msg_a if msg_a else float("nan")  # one N only: no per-workflow figures
        w(f"- Validation {v}: 0.8x the anchor is **{budget:.2f} s**. The floor and the Node-side synthesis of our template above the empty "
          f"app's already take {fixed:.2f} s, leaving {left:.2f} s: **{per_wf_ms:.1f} ms per workflow** for our construct phase. It takes "
          f"**{wall_o:.1f} ms** per workflow now (anchor {wall_a:.1f}): **{msg_o:.1f} jsii messages** (anchor {msg_a:.1f}) at "
          f"{per_msg_o:.2f} ms each all in (anchor {per_msg_a:.2f}), Python of the app process and the round trip with Node's work "
          f"for it together. Python CPU: {py_o:.1f} ms (anchor {py_a:.1f}, all of it jsii's and aws_cdk's Python, {py_rate_a:.2f} ms a message); "
          f"at the anchor's rate jsii's share of ours is {py_rate_a * msg_o:.1f} ms, which leaves about "
          f"{max(py_o - py_rate_a * msg_o, 0):.1f} ms for our own code. "
          + (f"At that cost the budget holds **{max(per_wf_ms, 0) / per_msg_o:.0f} messages** per workflow."
             if per_msg_o == per_msg_o and per_msg_o > 0 else ""))
    w("")
    if 1 in ns:
        for v in variants:
            o, a = timings[(v, "tuning", 1)], timings[(v, "anchor", 1)]
            py_o = med(o, "py_cpu_import") + med(o, "py_cpu_construct")
            py_a = med(a, "py_cpu_import") + med(a, "py_cpu_construct")
            w(f"- N = 1, validation {v}: 1.05x the anchor is **{TARGET_N1_RATIO * med(a):.2f} s**; ours takes {med(o):.2f} s, "
              f"{med(o) - med(a):.2f} s more. Python CPU (imports and construct) ours {py_o:.2f} s, anchor {py_a:.2f} s; "
              f"construct phase wall ours {med(o, 'construct'):.2f} s, anchor {med(a, 'construct'):.2f} s; jsii messages ours "
              f"{jsii_total(o[0]):,}, anchor {jsii_total(a[0]):,}; resources ours {o[0].get('resources', '?')}, anchor {a[0].get('resources', '?')}"
              + (f" (by type, ours - anchor: {type_difference(o[0]['types'], a[0]['types'])}; the stack's job reaper is one state machine with "
                 "its role, log group and rule)." if "types" in o[0] and "types" in a[0] else "."))
    w("")
    if profiles:
        w(f"cProfile of one run at N = {n}, validation off (self time by who spends it; cProfile's overhead inflates the Python parts):\n")
        labels = sorted({label for p in profiles.values() for label in p["buckets"]}, key=lambda x: -profiles.get("tuning", {"buckets": {}})["buckets"].get(x, 0))
        w("| where | ours s | ours % | anchor s | anchor % |")
        w("|---|---|---|---|---|")
        for label in labels:
            cells = []
            for kind in ("tuning", "anchor"):
                p = profiles.get(kind)
                t = p["buckets"].get(label, 0.0) if p else 0.0
                cells += [f"{t:.2f}", f"{100 * t / p['total']:.0f}" if p and p["total"] else "-"]
            w(f"| {label} | " + " | ".join(cells) + " |")
        tops = profiles.get("tuning", {}).get("ours_top", [])
        if tops:
            w("\nconstructs_sm's functions with the most self time in that run: " + "; ".join(f"`{name}` {t * 1000:.0f} ms" for name, t in tops) + ".")
        w("")


# ---------------------------------------------------------------- the report


def med(rows: list[dict[str, Any]], key: str = "cpu") -> float:
    return statistics.median(r[key] for r in rows)


def spread(rows: list[dict[str, Any]], key: str = "cpu") -> str:
    """median (min-max)"""
    values = [r[key] for r in rows]
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else f"{values[0]:.2f}"


def rss(rows: list[dict[str, Any]]) -> str:
    """Median peak memory of the runs (MiB), or "?" for runs recorded before it was measured."""
    values = [r["max_rss_mib"] for r in rows if "max_rss_mib" in r]
    return f"{statistics.median(values):,.0f}" if values else "?"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "n/a"


def num(x: float) -> str:
    return f"{0 if abs(x) < 0.5 else x:,.0f}"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def linear(first: dict[str, Any], last: dict[str, Any], key: str) -> tuple[float, float]:
    """(per workflow, base) of a figure measured at two N."""
    per = (last[key] - first[key]) / (last["n"] - first["n"])
    return per, first[key] - per * first["n"]


def fits(per_bytes: float, base_bytes: float, per_res: float, base_res: float) -> tuple[int, int]:
    return (
        int((CFN_TEMPLATE_BODY_LIMIT - base_bytes) // per_bytes) if per_bytes > 0 else 10**6,
        int((CFN_RESOURCE_LIMIT - base_res) // per_res) if per_res > 0 else 10**6,
    )


def jsii_total(r: dict[str, Any]) -> int:
    """jsii calls and callbacks of one run, construct and synth phases."""
    return int(sum(r["jsii"][phase]["calls"] + r["jsii"][phase]["callbacks"] for phase in ("construct", "synth")))


def jsii_per_workflow(lo: dict[str, Any], hi: dict[str, Any], phase: str, key: str) -> float:
    return (hi["jsii"][phase][key] - lo["jsii"][phase][key]) / (hi["n"] - lo["n"])


def render(saved: dict[str, Any]) -> str:  # noqa: C901 - one report, top to bottom
    info, reps, ns, training_ns, variants = saved["info"], saved["reps"], saved["ns"], saved["training_ns"], saved["variants"]
    timings: dict[tuple[str, str, int], list[dict[str, Any]]] = saved["timings"]
    capacity: dict[str, list[dict[str, Any]]] = saved["capacity"]
    out: list[str] = []
    w = out.append
    ours_kinds = ["tuning"] + (["training"] if training_ns else [])

    def ns_of(kind: str) -> list[int]:
        return training_ns if kind == "training" else ns

    def first(kind: str, n: int) -> dict[str, Any]:
        """The kept run (rep 1, last variant) of kind at n."""
        rows = timings[(variants[-1], kind, n)]
        return next((r for r in rows if "iam" in r), rows[0])

    target_n = TARGET_N if TARGET_N in ns else max(ns)

    w("# Benchmark results (issue 6)\n")
    argv = (" " + " ".join(saved["argv"])) if saved["argv"] else ""
    w(f"Generated by `.venv/bin/python benchmarks/run.py{argv}` (`make bench` runs it with `--time-tests`); benchmarks/README.md says what is measured.\n")
    w("## Machine and versions\n")
    w("| | |\n|---|---|")
    for k, v in info.items():
        w(f"| {k} | {v} |")
    w(f"| load average (1/5/15 min) before / after | {saved['load_before']} / {saved['load_after']} |")
    w(f"| load average at the start of each rep | {'; '.join(saved['rep_loads'])} |")
    w(f"| repetitions, N (tuning and anchor), N (training) | {reps}; {', '.join(map(str, ns))}; {', '.join(map(str, training_ns)) or 'none'} |")
    w(f"| benchmark wall time | {saved['total'] / 60:.1f} min |")
    w("")

    # ------------------------------------------------ targets
    w(f"## 1. Targets of the issue (at N = {target_n} tuning workflows)\n")
    if target_n != TARGET_N:
        w(f"N = {TARGET_N} was not measured in this run: read at N = {target_n}, which the targets do not name.\n")
    w("CPU = user + sys of the whole process and its Node child, median of the runs. Floor = the same for an app with one empty stack. "
      "Validation on is what `cdk synth` does by default; off is `CDK_VALIDATION=false`.\n")
    w("| validation | ours CPU s | anchor CPU s | **ours / anchor** (target <= 0.8) | | floor CPU s | ours ms/workflow above floor | anchor ms/workflow above floor | **ours / anchor** (target <= 0.5) | |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for v in variants:
        o, a = med(timings[(v, "tuning", target_n)]), med(timings[(v, "anchor", target_n)])
        floor = med(timings[(v, "empty", 0)])
        po, pa = (o - floor) / target_n, (a - floor) / target_n
        w(f"| {v} | {spread(timings[(v, 'tuning', target_n)])} | {spread(timings[(v, 'anchor', target_n)])} | **{ratio(o, a)}** | {verdict(o <= TARGET_CPU_RATIO * a)} | "
          f"{floor:.2f} | {po * 1000:.0f} | {pa * 1000:.0f} | **{ratio(po, pa)}** | {verdict(pa > 0 and po <= TARGET_MARGINAL_RATIO * pa)} |")
    if 1 in ns:
        w("\nAt N = 1 (start-up and import time: the issue asks for botocore's SageMaker model loaded lazily):\n")
        w("| validation | ours CPU s | anchor CPU s | **ours / anchor** (target <= 1.05) | |")
        w("|---|---|---|---|---|")
        for v in variants:
            o, a = med(timings[(v, "tuning", 1)]), med(timings[(v, "anchor", 1)])
            w(f"| {v} | {spread(timings[(v, 'tuning', 1)])} | {spread(timings[(v, 'anchor', 1)])} | **{ratio(o, a)}** | {verdict(o <= TARGET_N1_RATIO * a)} |")
    else:
        w(f"\nN = 1 was not measured in this run: the N = 1 target (ours / anchor <= {TARGET_N1_RATIO}) is not read.")
    peak_n = max(ns)
    peaks = []
    for v in variants:
        o_rss = [r["max_rss_mib"] for r in timings[(v, "tuning", peak_n)] if "max_rss_mib" in r]
        a_rss = [r["max_rss_mib"] for r in timings[(v, "anchor", peak_n)] if "max_rss_mib" in r]
        if o_rss and a_rss:
            peaks.append(f"validation {v}: ours {statistics.median(o_rss):,.0f} MiB, anchor {statistics.median(a_rss):,.0f} MiB")
    if peaks:
        w(f"\nPeak memory at N = {peak_n} (the larger of the Python process's and its Node child's maximum resident set size, median): "
          + "; ".join(peaks) + ".")
    cap = capacity.get("tuning, shared role+key+SG+log group, definitions in S3", []) or capacity.get("tuning, shared role+key+SG", [])
    if cap and "error" not in cap[-1]:
        checks = {c[0]: c[3] for c in capacity_checks(cap[-1])}
        others = all(ok for name, ok in checks.items() if not name.startswith("template bytes"))
        if others and checks["template bytes, written"]:
            result = "**PASS**"
        elif others and checks["template bytes, compact"]:
            result = "**PASS** only with `suppress_template_indentation=True` (the template as CDK writes it by default is over 1,000,000 bytes)"
        else:
            result = "**FAIL** (" + "; ".join(name for name, ok in checks.items() if not ok) + ")"
        w(f"\nCapacity: {cap[-1]['n']} tuning workflows in one stack with role, key, security group and log group shared and the definitions in S3 (`log_group=`, `definition_in_s3=True`): {result} (section 4).")
    elif cap:
        w(f"\nCapacity: {cap[-1]['n']} tuning workflows in one stack: **FAIL**: synthesis failed ({cap[-1]['error'].splitlines()[-1][:200]}).")
    w("")

    if (variants[-1], "empty", 0) in timings and all((v, k, target_n) in timings for v in variants for k in ("tuning", "anchor")):
        render_gap(w, timings, variants, ns, saved.get("profiles") or {})

    # ------------------------------------------------ synth time
    w("## 2. Synth time\n")
    w(f"One `python benchmarks/apps.py KIND N` subprocess per measurement (Python + jsii + Node start-up, imports, construct, `app.synth()`), "
      f"{reps} run(s) each, interleaved (rep, N, library, validation); median (min-max). All apps: one VPC, one shared SageMaker role and KMS key "
      "(ours: constructs_sm's `SageMakerExecutionRole` and `artifact_key`; anchor: aws-cdk-lib's `iam.Role` and `kms.Key`), a security group, "
      "log group (ALL) and X-Ray per workflow; CDK's 500-resource check lifted so that every N synthesizes with identical settings "
      "(section 4 says what fits a deployable stack). Above floor = (median - floor) / N. Marginal = difference between the smallest and largest N.\n")
    for v in variants:
        rows = timings[(v, "empty", 0)]
        w(f"### Validation {v}{' (default)' if v == 'on' else ' (CDK_VALIDATION=false)'}\n")
        w(f"Empty-app floor: CPU **{spread(rows)} s**, wall {spread(rows, 'wall')} s (`app.synth()` {med(rows, 'synth'):.2f} s of it).\n")
        cpu_floor = med(rows)
        for kind in ours_kinds:
            kn = [n for n in ns_of(kind) if (v, "anchor", n) in timings and (v, kind, n) in timings]
            if not kn:
                if kind == "training":
                    w(f"TrainingWorkflow: timed with validation {variants[-1]} only (validation adds about the same cost to every app).\n")
                continue
            w(f"#### {KIND_LABEL[kind]} (ours) vs aws-cdk-lib SageMakerCreateTrainingJob + StateMachine (anchor)\n")
            w("| N | ours CPU s | anchor CPU s | **CPU ours/anchor** | ours wall s | anchor wall s | wall ours/anchor | ours CPU ms/wf above floor | anchor CPU ms/wf above floor | **ratio** | ours construct / synth s | anchor construct / synth s | jsii calls + callbacks ours / anchor | peak RSS MiB ours / anchor |")
            w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for n in kn:
                ours, anchor = timings[(v, kind, n)], timings[(v, "anchor", n)]
                oc, ac, ow, aw = med(ours), med(anchor), med(ours, "wall"), med(anchor, "wall")
                po, pa = (oc - cpu_floor) / n * 1000, (ac - cpu_floor) / n * 1000
                w(f"| {n} | {spread(ours)} | {spread(anchor)} | **{ratio(oc, ac)}** | {spread(ours, 'wall')} | {spread(anchor, 'wall')} | {ratio(ow, aw)} | "
                  f"{po:.0f} | {pa:.0f} | **{ratio(po, pa)}** | {med(ours, 'construct'):.2f} / {med(ours, 'synth'):.2f} | {med(anchor, 'construct'):.2f} / {med(anchor, 'synth'):.2f} | "
                  f"{jsii_total(ours[0]):,} / {jsii_total(anchor[0]):,} | {rss(ours)} / {rss(anchor)} |")
            if len(kn) >= 2:
                w("")
                lo, hi = kn[0], kn[-1]
                jo = (jsii_total(timings[(v, kind, hi)][0]) - jsii_total(timings[(v, kind, lo)][0])) / (hi - lo)
                ja = (jsii_total(timings[(v, "anchor", hi)][0]) - jsii_total(timings[(v, "anchor", lo)][0])) / (hi - lo)
                w(f"- jsii calls + callbacks of one more workflow (both phases), N={lo} to N={hi}: ours {jo:.1f}, anchor {ja:.1f}, ratio **{ratio(jo, ja)}** (section 3).")
                for key, name in (("cpu", "CPU"), ("wall", "wall"), ("construct", "construct phase (wall)"), ("synth", "`app.synth()` (wall)")):
                    mo = (med(timings[(v, kind, hi)], key) - med(timings[(v, kind, lo)], key)) / (hi - lo) * 1000
                    ma = (med(timings[(v, "anchor", hi)], key) - med(timings[(v, "anchor", lo)], key)) / (hi - lo) * 1000
                    w(f"- Marginal {name} of one more workflow, N={lo} to N={hi}: ours {mo:.1f} ms, anchor {ma:.1f} ms, ratio **{ratio(mo, ma)}**.")
            w("")
    if len(variants) == 2:
        w("### What validation costs\n")
        w("| app | N | CPU on s | CPU off s | on - off s | `app.synth()` on s | off s |")
        w("|---|---|---|---|---|---|---|")
        for (v, kind, n), rows in sorted(timings.items(), key=lambda x: (x[0][1] != "empty", x[0][1], x[0][2])):
            if v != "on" or ("off", kind, n) not in timings:
                continue
            off = timings[("off", kind, n)]
            w(f"| {kind} | {n} | {med(rows):.2f} | {med(off):.2f} | {med(rows) - med(off):.2f} | {med(rows, 'synth'):.2f} | {med(off, 'synth'):.2f} |")
        w("")

    # ------------------------------------------------ jsii
    w("## 3. jsii calls per workflow\n")
    w("Counted inside the app process: the jsii kernel's `create`, `get`, `set`, `sget`, `sset`, `invoke`, `sinvoke` (Python -> JS) and the "
      "callbacks (JS -> Python: the Node process answers a request with a callback, `jsii._kernel._handle_callback` runs the Python override or property, "
      "one more message completes it), counters installed before aws_cdk is imported. Per workflow = (count at the largest N - count at the smallest N) / "
      "difference of N. Counts are deterministic (checked across all runs).\n")
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for (_v, kind, n), rows in timings.items():
        seen[(kind, n)] |= {json.dumps(r["jsii"]["construct"], sort_keys=True) for r in rows}
    varied = [f"{kind} N={n}" for (kind, n), counts in seen.items() if len(counts) > 1]
    if varied:
        w(f"**Counts varied between runs** of: {', '.join(sorted(varied))}; the tables show rep 1.\n")
    w("| library | N | construct: calls | construct: callbacks | `app.synth()`: calls | `app.synth()`: callbacks | messages to Node (both phases) |")
    w("|---|---|---|---|---|---|---|")
    for kind in ours_kinds + ["anchor"]:
        for n in ns_of(kind):
            r = first(kind, n)
            c, s = r["jsii"]["construct"], r["jsii"]["synth"]
            w(f"| {KIND_LABEL[kind]} | {n} | {c['calls']:,} | {c['callbacks']:,} | {s['calls']:,} | {s['callbacks']:,} | {c['messages'] + s['messages']:,} |")
    w("")
    w("| per workflow | calls | of which create / get / set / sget / sset / invoke / sinvoke | callbacks | `app.synth()` calls + callbacks | vs anchor (calls + callbacks) |")
    w("|---|---|---|---|---|---|")
    per: dict[str, float] = {}
    for kind in ["anchor"] + ours_kinds:
        kn = ns_of(kind)
        if len(kn) < 2:
            continue
        run_lo, run_hi = first(kind, kn[0]), first(kind, kn[-1])
        calls = jsii_per_workflow(run_lo, run_hi, "construct", "calls")
        cbs = jsii_per_workflow(run_lo, run_hi, "construct", "callbacks")
        per[kind] = calls + cbs
        split = " / ".join(f"{jsii_per_workflow(run_lo, run_hi, 'construct', m):.1f}" for m in ("create", "get", "set", "sget", "sset", "invoke", "sinvoke"))
        synth_per = jsii_per_workflow(run_lo, run_hi, "synth", "calls") + jsii_per_workflow(run_lo, run_hi, "synth", "callbacks")
        vs = f"{ratio(per[kind], per['anchor'])}x" if kind != "anchor" and "anchor" in per else ""
        w(f"| {KIND_LABEL[kind]} (N={kn[0]} to {kn[-1]}) | **{calls:.1f}** | {split} | **{cbs:.1f}** | {synth_per:.1f} | {vs} |")
    w("")
    for kind in ours_kinds + ["anchor"]:
        kn = ns_of(kind)
        if len(kn) < 2 or "jsii_members" not in first(kind, kn[0]):
            continue
        run_lo, run_hi = first(kind, kn[0]), first(kind, kn[-1])
        members = {
            m: (run_hi["jsii_members"].get(m, 0) - run_lo["jsii_members"].get(m, 0)) / (kn[-1] - kn[0])
            for m in set(run_lo["jsii_members"]) | set(run_hi["jsii_members"])
        }
        top = sorted(((c, m) for m, c in members.items() if c >= 0.5), reverse=True)[:15]
        w(f"<details><summary>{KIND_LABEL[kind]}: the calls and callbacks of one more workflow, by member (construct phase)</summary>\n")
        w("| per workflow | call |\n|---|---|")
        for c, m in top:
            w(f"| {c:.1f} | `{m}` |")
        w("\n</details>\n")

    # ------------------------------------------------ capacity
    w("## 4. Template size and capacity of one stack\n")
    w(f"Limits: CloudFormation {CFN_RESOURCE_LIMIT} resources and {CFN_TEMPLATE_BODY_LIMIT:,} bytes of template body (uploaded to S3); "
      f"IAM {IAM_MANAGED_POLICIES_PER_ROLE} managed policies per role (default quota, up to 20 on request), {IAM_MANAGED_POLICY_CHARS:,} characters per managed policy, "
      f"{IAM_ROLE_INLINE_CHARS:,} characters of inline policies per role, both counted without whitespace; Step Functions {SFN_DEFINITION_LIMIT:,} characters per definition. "
      "'written' is the file CDK writes (1-space indentation); 'compact' is the same JSON without whitespace (what `suppress_template_indentation=True` writes). "
      "A role's managed policies are the `AWS::IAM::ManagedPolicy` resources naming it in `Roles` plus its `ManagedPolicyArns`; its inline policies are the "
      "`AWS::IAM::Policy` resources naming it plus its `Policies`. Policy sizes are the JSON without whitespace after substituting what CloudFormation puts "
      "for `Ref`/`Fn::GetAtt`/`Fn::Join` (the stack's account and region, generated names of up to 64 characters). Capacity apps are synthesized with "
      "validation off (the template is the same) and CDK's resource check lifted, so that the limits are checked here.\n")
    configs: list[tuple[str, dict[str, Any]]] = []
    for label in ("tuning, shared role+key+SG", "tuning, shared role+key+SG+log group, definitions in S3", "training, shared role+key+SG"):
        runs = capacity.get(label, [])
        if runs and "error" not in runs[-1]:
            configs.append((f"{label}, N={runs[-1]['n']}", runs[-1]))
    hi_anchor = first("anchor", max(ns))
    if "iam" in hi_anchor:
        configs.append((f"anchor (timing app: SG per workflow, the anchor cannot share one), N={hi_anchor['n']}", hi_anchor))
    if configs:
        w("### The capacity check\n")
        w("| limit | " + " | ".join(label for label, _ in configs) + " |")
        w("|---|" + "---|" * len(configs))
        table = [capacity_checks(r) for _, r in configs]
        for i, (name, *_rest) in enumerate(table[0]):
            w(f"| {name} | " + " | ".join(f"{t[i][1]} / {t[i][2]}: {verdict(t[i][3])}" for t in table) + " |")
        for label, r in configs:
            iam = r["iam"]
            w(f"\n- {label}: {iam['roles']} roles, {iam['managed_policies']} managed policies; the role with the most managed policies is "
              f"`{iam['role_with_most_managed']}` ({iam['max_managed_per_role']}); roles over {IAM_MANAGED_POLICIES_PER_ROLE} managed policies: {iam['roles_over_managed']}; "
              f"managed policies over {IAM_MANAGED_POLICY_CHARS:,} characters: {iam['policies_over_size']} (largest {iam['largest_managed_policy']:,} resolved, "
              f"{iam['largest_managed_policy_as_written']:,} as written); CDK's own 500-resource check would {'reject' if r['resources'] > CFN_RESOURCE_LIMIT else 'accept'} it.")
        for label, runs in capacity.items():
            for r in runs:
                if "error" in r:
                    w(f"\n- {label} N={r['n']}: synthesis **failed**: {r['error'].splitlines()[-1][:300]}")
        w("")

    w("### Where the bytes per workflow go\n")
    w("Per resource type, by difference between two N: (figure at the larger N - figure at the smaller N) / difference of N. "
      "'rest' is what the template holds outside its resources (Parameters, Rules, framing).\n")
    pairs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for label in ("tuning, shared role+key+SG", "tuning, shared role+key+SG+log group, definitions in S3"):
        cap = capacity.get(label, [])
        if len(cap) == 2 and all("error" not in r for r in cap):
            pairs.append((label, cap[0], cap[1]))
    for kind in ours_kinds + ["anchor"]:
        kn = ns_of(kind)
        if len(kn) >= 2:
            pairs.append((f"{kind}, timing apps (SG per workflow)", first(kind, kn[0]), first(kind, kn[-1])))
    for label, small, large in pairs:
        w(f"#### {label} (N={small['n']} to {large['n']})\n")
        w("| resource type | resources / workflow | bytes written / workflow | bytes compact / workflow | share of written |")
        w("|---|---|---|---|---|")
        dn = large["n"] - small["n"]
        types = set(small["type_bytes_written"]) | set(large["type_bytes_written"])
        total_w = (large["bytes_written"] - small["bytes_written"]) / dn
        total_m = (large["bytes_minified"] - small["bytes_minified"]) / dn
        rows_ = []
        for t in types:
            cw = (large["type_bytes_written"].get(t, 0) - small["type_bytes_written"].get(t, 0)) / dn
            cm = (large["type_bytes_minified"].get(t, 0) - small["type_bytes_minified"].get(t, 0)) / dn
            cr = (large["types"].get(t, 0) - small["types"].get(t, 0)) / dn
            rows_.append((cw, cm, cr, t))
        for cw, cm, cr, t in sorted(rows_, reverse=True):
            if abs(cw) < 0.5 and abs(cr) < 0.005:
                continue
            w(f"| {t} | {cr:.2f} | {cw:,.0f} | {cm:,.0f} | {cw / total_w:.0%} |")
        rest_w = total_w - sum(x[0] for x in rows_)
        rest_m = total_m - sum(x[1] for x in rows_)
        w(f"| rest | | {num(rest_w)} | {num(rest_m)} | {num(100 * rest_w / total_w)}% |")
        w(f"| **total** | **{(large['resources'] - small['resources']) / dn:.2f}** | **{total_w:,.0f}** | **{total_m:,.0f}** | |")
        w("")

    w("### Per workflow and how many fit one stack\n")
    w("| configuration | resources / workflow | bytes written / workflow | bytes compact / workflow | base resources | max workflows (written) | max workflows (compact) | bound by |")
    w("|---|---|---|---|---|---|---|---|")
    fit_pairs = [(label, small, large) for label, small, large in pairs]
    for label in ("tuning, own role+key+SG (defaults)", "anchor, own role+key+SG (defaults)", "training, shared role+key+SG"):
        runs = capacity.get(label, [])
        if len(runs) == 2 and all("error" not in r for r in runs):
            fit_pairs.append((label, runs[0], runs[1]))
    for label, small, large in fit_pairs:
        pr, br = linear(small, large, "resources")
        pw, bw = linear(small, large, "bytes_written")
        pm, bm = linear(small, large, "bytes_minified")
        by_written, by_res = fits(pw, bw, pr, br)
        by_compact, _ = fits(pm, bm, pr, br)
        written, compact = min(by_written, by_res), min(by_compact, by_res)
        bound = "resources" if by_res <= min(by_written, by_compact) else ("template bytes" if by_compact < by_res else "bytes (written); resources (compact)")
        w(f"| {label} (N={small['n']}, {large['n']}) | {pr:.2f} | {pw:,.0f} | {pm:,.0f} | {br:.0f} | {written} | {compact} | {bound} |")
    w("\nMax workflows = min(floor((1,000,000 - base bytes) / bytes per workflow), floor((500 - base resources) / resources per workflow)); "
      "IAM's limits are not in this estimate (see the capacity check).\n")

    # ------------------------------------------------ definitions and run cost
    designs: list[tuple[str, dict[str, Any]]] = []
    for kind in ours_kinds + ["anchor"]:
        r = first(kind, ns_of(kind)[0])
        if r.get("definitions"):
            designs.append((KIND_LABEL[kind], r))
    sdk = capacity.get("tuning-sdk (autotune, polling)", [])
    if sdk and "error" not in sdk[0]:
        designs.append(("TuningWorkflow(autotune=True): Wait/Describe polling every minute", sdk[0]))
    w("### State machine definition size\n")
    w("| design | characters as synthesized | characters resolved (long ARNs) | share of the 1,048,576 limit |")
    w("|---|---|---|---|")
    for label, r in designs:
        d = r["definitions"][0]
        w(f"| {label} | {d['chars']:,} | {d['resolved_chars']:,} | {d['resolved_chars'] / SFN_DEFINITION_LIMIT:.2%} |")
    w("")

    w(f"## 5. Run cost of one successful execution ({JOB_SECONDS // 3600}-hour job)\n")
    w("States entered on the shortest path from StartAt to a Succeed or End state, read from the synthesized definition. Every Choice rule's `Next` "
      "counts (rules combining conditions with And/Or/Not carry it at their top level); Catch targets, Fail states and the failure-path states "
      f"({', '.join(sorted(FAILURE_PATH_STATES))}) are not on it. A `.sync` Task is one state however long the job runs; a Wait/Describe/Choice loop "
      f"runs once per {POLL_SECONDS} s ({math.ceil(JOB_SECONDS / POLL_SECONDS)} times). Price: ${PRICE_PER_1000_TRANSITIONS} per 1,000 transitions (Standard). "
      "Expected by the issue: tuning 4, training 2.\n")
    w("| design | states entered | expected | API calls by Step Functions | Lambda functions | cost per execution | per 10,000 executions | path | failure-path states in the definition |")
    w("|---|---|---|---|---|---|---|---|---|")
    expected = {"TuningWorkflow": 4, "TrainingWorkflow": 2}
    for label, r in designs:
        run = r["definitions"][0]["run"]
        usd = run["transitions"] * PRICE_PER_1000_TRANSITIONS / 1000
        path = " > ".join(run["path"])
        if run["loop"]:
            path += f" (loop {' > '.join(run['loop'])} x {run['polls']})"
        exp = expected.get(label)
        mark = "" if exp is None else f"{exp} {'(ok)' if exp == run['transitions'] else '(**differs**)'}"
        w(f"| {label} | **{run['transitions']}** | {mark} | {run['api_calls']} | {r['lambdas']} | ${usd:.6f} | ${usd * 10000:.2f} | {path} | {', '.join(run['failure_path_states']) or '-'} |")
    w("")

    w("## 6. Test suite\n")
    tests = saved["tests"]
    if tests:
        command = tests.get("command", "pytest -q -p no:randomly tests")
        cores = f" on {tests['cores']} cores" if tests.get("cores") else ""
        w(f"`{command}`{cores}: **{tests['seconds']:.1f} s** (target 60 s; exit {tests['rc']}; {tests['summary']}).\n")
    else:
        w("Not timed in this run (`--time-tests`).\n")

    w("## 7. Every run\n")
    w("<details><summary>CPU s / wall s of every timed run, in the order of the reps</summary>\n")
    w("| validation | app | N | runs (CPU / wall) |\n|---|---|---|---|")
    for (v, kind, n), rows in timings.items():
        w(f"| {v} | {kind} | {n} | " + ", ".join(f"{row['cpu']:.2f} / {row['wall']:.2f}" for row in rows) + " |")
    w("\n</details>\n")
    w("<details><summary>Templates of the kept runs</summary>\n")
    w("| app | N | flags | resources | bytes written | bytes compact | resource types |")
    w("|---|---|---|---|---|---|---|")
    kept = [r for rows in timings.values() for r in rows if "iam" in r] + [r for runs in capacity.values() for r in runs if "error" not in r]
    for row in kept:
        type_list = ", ".join(f"{t.split('::', 1)[1]} {c}" for t, c in sorted(row["types"].items(), key=lambda x: -x[1]))
        w(f"| {row['kind']} | {row['n']} | {' '.join(row['flags'])} | {row['resources']} | {row['bytes_written']:,} | {row['bytes_minified']:,} | {type_list} |")
    w("\n</details>")
    return "\n".join(out) + "\n"


def capacity_checks(r: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(limit, value, limit value, within) for one synthesized stack."""
    iam = r["iam"]
    definition = r["definitions"][0]["resolved_chars"] if r.get("definitions") else 0
    return [
        ("resources", f"{r['resources']:,}", f"{CFN_RESOURCE_LIMIT}", r["resources"] <= CFN_RESOURCE_LIMIT),
        ("template bytes, written", f"{r['bytes_written']:,}", f"{CFN_TEMPLATE_BODY_LIMIT:,}", r["bytes_written"] <= CFN_TEMPLATE_BODY_LIMIT),
        ("template bytes, compact", f"{r['bytes_minified']:,}", f"{CFN_TEMPLATE_BODY_LIMIT:,}", r["bytes_minified"] <= CFN_TEMPLATE_BODY_LIMIT),
        ("managed policies on one role (most)", f"{iam['max_managed_per_role']}", f"{IAM_MANAGED_POLICIES_PER_ROLE}", iam["max_managed_per_role"] <= IAM_MANAGED_POLICIES_PER_ROLE),
        ("largest managed policy, characters", f"{iam['largest_managed_policy']:,}", f"{IAM_MANAGED_POLICY_CHARS:,}", iam["largest_managed_policy"] <= IAM_MANAGED_POLICY_CHARS),
        ("inline policies of one role (most), characters", f"{iam['max_inline_per_role']:,}", f"{IAM_ROLE_INLINE_CHARS:,}", iam["max_inline_per_role"] <= IAM_ROLE_INLINE_CHARS),
        ("state machine definition (first), characters", f"{definition:,}", f"{SFN_DEFINITION_LIMIT:,}", definition <= SFN_DEFINITION_LIMIT),
    ]


if __name__ == "__main__":
    main()
