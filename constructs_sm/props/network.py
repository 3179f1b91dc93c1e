"""VPC placement of training jobs (``VpcConfig``) and the security group it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from ..core._nag import acknowledge_all
from ..core._stack import attribute, cached
from ..core._tokens import Declared
from ..errors import ValidationError


@dataclass(frozen=True, kw_only=True)
class VpcConfig:
    """Run training containers in your VPC.

    Without ``security_groups``, a security group is created that allows no inbound traffic,
    or, when a job can run on more than one instance (an ``InstanceCount`` above 1 or set by the
    execution input, instance groups), all traffic between its own members (distributed
    training) and nothing else inbound.
    """

    vpc: ec2.IVpc
    """The VPC to run in."""
    subnets: ec2.SubnetSelection = field(
        default_factory=lambda: ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    )
    """Subnets for the training instances (``VpcConfig.Subnets``). @default - the VPC's private isolated subnets"""
    security_groups: Sequence[ec2.ISecurityGroup] = ()
    """Security groups (``VpcConfig.SecurityGroupIds``). @default - a new group that allows traffic between its members"""

    def render(self, scope: Construct, *, distributed: bool = False) -> dict[str, Any]:
        """``VpcConfig``: the selected subnets, and the given security groups or a new one in ``scope``
        (``distributed``: allowing traffic between its members at once; else see :func:`allow_member_traffic`)."""
        try:
            selection = sorted((k, repr(v)) for k, v in self.subnets._values.items())
            subnet_ids = cached(
                self.vpc,
                f"subnets {selection}",
                lambda: list(self.vpc.select_subnets(**self.subnets._values).subnet_ids),
            )
        except RuntimeError as error:  # jsii reports the VPC's own message, e.g. no isolated subnets
            raise ValidationError("VpcConfig.Subnets", "must select at least 1 subnet of the VPC", str(error)) from None
        if not subnet_ids:
            raise ValidationError("VpcConfig.Subnets", "must select at least 1 subnet of the VPC", [])
        groups = list(self.security_groups)
        if not groups:
            group = ec2.SecurityGroup(
                scope,
                "SecurityGroup",
                vpc=self.vpc,
                description="SageMaker training jobs - traffic between the instances of a job",
                allow_all_outbound=True,
            )
            scope.__dict__[_CREATED] = group
            if distributed:
                allow_member_traffic(scope)
            groups = [group]
        # The subnets declare their VPC: the network-interface grant is then scoped by ec2:Vpc.
        return {
            "SecurityGroupIds": [attribute(g, "security_group_id") for g in groups],
            "Subnets": Declared(list(subnet_ids), self.vpc),
        }


_CREATED = "_constructs_sm_security_group"


def allow_member_traffic(scope: Construct) -> None:
    """Let the instances of a job talk to each other: all traffic from the security group that
    :meth:`VpcConfig.render` created in ``scope`` to itself (none created: nothing to do). Its
    outbound rule already allows all traffic."""
    group: ec2.SecurityGroup | None = scope.__dict__.get(_CREATED)
    if group is None or group.__dict__.get(_CREATED):
        return
    group.__dict__[_CREATED] = True
    # SageMaker Developer Guide, "Give SageMaker training jobs access to resources in your Amazon VPC":
    # allow inbound connections between members of the same security group (distributed training).
    group.add_ingress_rule(group, ec2.Port.all_traffic(), "Distributed training between members")
    _acknowledge_member_traffic(group)


def _acknowledge_member_traffic(group: ec2.SecurityGroup) -> None:
    """The self-referencing rule is what distributed training needs, and cdk-nag flags every all-traffic rule.

    SageMaker: "configure a rule for your security group that allows inbound connections between
    members of the same security group" (Developer Guide, "Give SageMaker Training Jobs Access to
    Resources in Your Amazon VPC"); EFA instances need all traffic within the group (EC2 User Guide,
    "Prepare an EFA-enabled security group"). The rule's source is the group itself, never a CIDR.
    """
    reason = (
        "All traffic from members of this security group only, for distributed training: SageMaker "
        "Developer Guide, 'Give SageMaker Training Jobs Access to Resources in Your Amazon VPC'; "
        "EC2 User Guide, 'Prepare an EFA-enabled security group'"
    )
    rules: list[IConstruct] = [c for c in group.node.children if isinstance(c, ec2.CfnSecurityGroupIngress)]
    for rule in rules or [group]:
        # The same cdk-nag rule in each pack that has it.
        acknowledge_all(rule, {f"{pack}::{pack}-EC2RestrictedCommonPorts": reason for pack in _RESTRICTED_PORTS_PACKS})


_RESTRICTED_PORTS_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
