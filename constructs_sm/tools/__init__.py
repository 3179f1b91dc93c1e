"""Tools that read synthesized CloudFormation templates (state machine diagrams and IAM permission tables)
and a fan-out's results.

They import nothing of the constructs (no aws_cdk), so they run on any template, from this library
or not: :mod:`constructs_sm.tools.diagram` and :mod:`constructs_sm.tools.permissions`;
:mod:`constructs_sm.tools.fan_out_results` reads a fan-out's result files (with an S3 client you give).
"""

__all__ = ["diagram", "fan_out_results", "permissions"]
