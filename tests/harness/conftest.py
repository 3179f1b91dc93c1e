"""Makes the harness fixtures available to the self-tests in this folder."""

from tests.harness.fixtures import offline_aws_env  # noqa: F401
