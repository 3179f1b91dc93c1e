"""pytest fixtures of the harness.

Enable them with ``pytest_plugins = ["tests.harness.fixtures"]`` in the root ``conftest.py``, or
import the fixture into a test module (``from tests.harness.fixtures import offline_aws_env``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._env import OfflineAws, offline_aws

__all__ = ["offline_aws_env"]


@pytest.fixture
def offline_aws_env() -> Iterator[OfflineAws]:
    """A fresh ``offline_aws()`` block per test, default settings."""
    with offline_aws() as env:
        yield env
