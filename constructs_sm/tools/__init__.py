"""Tools that read synthesized CloudFormation templates: state machine diagrams and IAM permission tables.

They import nothing of the constructs (no aws_cdk), so they run on any template, from this library
or not: :mod:`constructs_sm.tools.diagram` and :mod:`constructs_sm.tools.permissions`.
"""

__all__ = ["diagram", "permissions"]
