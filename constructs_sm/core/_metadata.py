"""Keys of the CloudFormation ``Metadata`` the constructs write on their resources and the tools read
back from a synthesized template (``tools/`` import no construct: this key is what they share)."""

from __future__ import annotations

REASONS_METADATA = "constructs_sm:Reasons"
"""On each ``AWS::IAM::ManagedPolicy`` the constructs create, and on each ``AWS::IAM::Policy``
aws-cdk-lib writes for a role the constructs give statements to that is not theirs (an imported
mutable role's default policy, an ``iam.Role``'s): the reason of each statement of its
``PolicyDocument``, in the same order (a list of strings; ``""`` for a statement added without one,
such as a user's ``role.add_to_policy``). Statements merged into one join their reasons with "; "
(in an ``AWS::IAM::Policy``, the reasons of the constructs' statements that the rendered statement
holds: ``iam._policy._InlineReasons``)."""
