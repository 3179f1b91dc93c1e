"""One synthesis with the four cdk-nag packs, its findings, and cfn-lint: what the feature tests share."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any, NoReturn

import aws_cdk as cdk
import pytest

# cdk-nag 3 runs as a validation plugin (cdk.Validations) and needs aws-cdk-lib 2.257.0 or later; on an
# older aws-cdk-lib (`make test-floor`) it is not installed: the apps synthesize without the packs and
# what reads their findings skips, saying why.
try:
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks

    NAG = hasattr(cdk, "Validations")
except ImportError:
    NAG = False
NO_NAG = f"cdk-nag 3 needs aws-cdk-lib>=2.257.0 (cdk.Validations); this is aws-cdk-lib {version('aws-cdk-lib')}"
# The acknowledgements the constructs write (Validations.acknowledge, aws-cdk-lib 2.252.0 on).
needs_acknowledge = pytest.mark.skipif(
    not hasattr(cdk, "Acknowledgment"),
    reason=f"Validations.acknowledge needs aws-cdk-lib>=2.252.0; this is aws-cdk-lib {version('aws-cdk-lib')}",
)

PACKS = [AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks] if NAG else []
PACK_NAMES = ["AwsSolutions", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]


class _NoNag:
    """What stands for the packs' findings where cdk-nag 3 cannot run: reading it skips the test."""

    def __getitem__(self, key: Any) -> NoReturn:
        pytest.skip(NO_NAG)

    def __iter__(self) -> NoReturn:
        pytest.skip(NO_NAG)

    def __contains__(self, key: Any) -> NoReturn:
        pytest.skip(NO_NAG)


def synth_with_packs(
    app: cdk.App, outdir: Path, control: cdk.Stack, scopes: dict[str, cdk.Stack] | None = None
) -> dict[str, Any]:
    """Synthesize ``app`` with the packs as validation plugins; CDK's report, each pack's own
    findings on ``control`` (a stack the packs must flag, so that a pack is seen to have looked)
    and, keyed by (pack, name), on each of ``scopes``."""
    if not NAG:
        app.synth()
        return {"report": _NoNag(), "control": _NoNag(), "scopes": _NoNag()}
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


