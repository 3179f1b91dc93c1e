"""One synthesis with the four cdk-nag packs, its findings, and cfn-lint: what the feature tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks
from cfnlint.api import ManualArgs, lint_file

PACKS = [AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks]
PACK_NAMES = ["AwsSolutions", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]


def synth_with_packs(
    app: cdk.App, outdir: Path, control: cdk.Stack, scopes: dict[str, cdk.Stack] | None = None
) -> dict[str, Any]:
    """Synthesize ``app`` with the packs as validation plugins; CDK's report, each pack's own
    findings on ``control`` (a stack the packs must flag, so that a pack is seen to have looked)
    and, keyed by (pack, name), on each of ``scopes``."""
    packs = [pack(app) for pack in PACKS]
    cdk.Validations.of(app).add_plugins(*packs)
    try:
        app.synth()
    except RuntimeError as error:  # ValidationFailed: the control stack's findings
        if "ValidationFailed" not in str(error):
            raise
    return {
        "report": json.loads((outdir / "validation-report.json").read_text()),
        "control": {p.name: {v.rule_name for v in p.validate_scope(control).violations} for p in packs},
        "scopes": {
            (p.name, name): {v.rule_name for v in p.validate_scope(stack).violations}
            for p in packs
            for name, stack in (scopes or {}).items()
        },
    }


def findings(report: dict[str, Any], prefix: str, *, acknowledged: bool) -> list[tuple[str, str, str]]:
    """(pack, rule, construct path) of the findings on constructs under ``prefix``."""
    kinds = ["violations", "suppressedViolations"] if acknowledged else ["violations"]
    return [
        (p["pluginName"], v["ruleName"], c["constructPath"])
        for p in report["pluginReports"]
        for kind in kinds
        for v in p.get(kind, [])
        for c in v["violatingConstructs"]
        if c["constructPath"].startswith(prefix)
    ]


def lint(template: dict[str, Any], path: Path) -> list[str]:
    """cfn-lint's findings on ``template`` (W3005, redundant DependsOn, is how CDK writes templates)."""
    path.write_text(json.dumps(template))
    return [str(m) for m in lint_file(path, config=ManualArgs(regions=["us-east-1"], ignore_checks=["W3005"]))]
