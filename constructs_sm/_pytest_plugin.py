"""The pytest plugin of constructs-sm (entry point ``pytest11``): the ``offline_aws`` fixture.

pytest loads it wherever constructs-sm is installed, with or without the ``testing`` extra: it
imports ``constructs_sm.testing`` (and moto) only when a test asks for the fixture, which then
fails with the ImportError naming the extra if it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from constructs_sm.testing import OfflineAws

__all__ = ["offline_aws"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "offline_aws(**arguments): arguments of the offline_aws fixture's OfflineAws "
        "(region, max_polls, poll_interval, api_error_name, retry_delay_scale, history_event_limit, seed)",
    )


@pytest.fixture
def offline_aws(request: pytest.FixtureRequest) -> Iterator[OfflineAws]:
    """An emulated AWS account for one test (``constructs_sm.testing.OfflineAws``, entered).

    ``@pytest.mark.offline_aws(max_polls=3)`` passes arguments to ``OfflineAws``.
    """
    from constructs_sm.testing import OfflineAws

    marker = request.node.get_closest_marker("offline_aws")
    with OfflineAws(**(marker.kwargs if marker else {})) as aws:
        yield aws
