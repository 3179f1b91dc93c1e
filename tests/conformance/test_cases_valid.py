"""The committed SageMaker SDK conformance cases are valid botocore requests.

Needs only botocore: the cases were captured once with generate.py and committed.
"""

from __future__ import annotations

import pytest

from tests.conformance import checks

MODEL = checks.load_model()  # once per module
CASES = checks.load_cases()


def test_corpus_is_large_enough_and_covers_both_operations() -> None:
    assert len(CASES) >= 12, sorted(CASES)
    assert {case["operation"] for case in CASES.values()} == set(checks.OPERATIONS)


def test_cases_are_well_formed() -> None:
    for name, case in CASES.items():
        assert set(case) == {"operation", "description", "sdk_version", "request"}, name
        assert case["operation"] in checks.OPERATIONS, name
        assert case["sdk_version"].startswith("2."), name
        assert isinstance(case["request"], dict) and case["request"], name


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_passes_botocore_validation(name: str) -> None:
    case = CASES[name]
    assert checks.problems(MODEL, case["operation"], case["request"]) == []
