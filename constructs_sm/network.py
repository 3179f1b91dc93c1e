"""VPC placement of training jobs (``VpcConfig``) and the security group it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from ._checks import check_count
from ._nag import acknowledge
from .errors import ValidationError


@dataclass(frozen=True, kw_only=True)
class VpcConfig:
    """Run training containers in your VPC.

    Without ``security_groups``, a security group is created that allows no inbound traffic,
    or, when a job runs on more than one instance, all traffic between its own members
    (distributed training) and nothing else inbound.
    """

    vpc: ec2.IVpc
    """The VPC to run in."""
    subnets: ec2.SubnetSelection = field(
        default_factory=lambda: ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    )
    """Subnets for the training instances, 1 to 16. @default - the VPC's private isolated subnets"""
    security_groups: Sequence[ec2.ISecurityGroup] = ()
    """Security groups, 1 to 5. @default - a new group that allows traffic between its members"""


class BoundVpcConfig:
    """A :class:`VpcConfig` resolved in a construct scope: subnets and security groups."""

    def __init__(self, scope: Construct, config: VpcConfig, *, distributed: bool = True) -> None:
        self.vpc = config.vpc
        try:
            self.subnet_ids = list(config.vpc.select_subnets(**config.subnets._values).subnet_ids)
        except RuntimeError as error:  # jsii reports the VPC's own message, e.g. no isolated subnets
            raise ValidationError("VpcConfig.Subnets", "must select at least 1 subnet of the VPC", str(error)) from None
        if not self.subnet_ids:
            raise ValidationError("VpcConfig.Subnets", "must select at least 1 subnet of the VPC", [])
        check_count("VpcConfig.Subnets", self.subnet_ids, 1, 16)
        groups = list(config.security_groups)
        if not groups:
            group = ec2.SecurityGroup(
                scope,
                "SecurityGroup",
                vpc=config.vpc,
                description="SageMaker training jobs - traffic between the instances of a job",
                allow_all_outbound=True,
            )
            if distributed:
                group.add_ingress_rule(group, ec2.Port.all_traffic(), "Distributed training between members")
                _acknowledge_member_traffic(group)
            groups = [group]
        check_count("VpcConfig.SecurityGroupIds", groups, 1, 5)
        self.security_groups = groups

    def render(self) -> dict[str, list[str]]:
        return {
            "SecurityGroupIds": [g.security_group_id for g in self.security_groups],
            "Subnets": self.subnet_ids,
        }

    def grant(self, grantee: iam.IRole) -> None:
        """The EC2 actions SageMaker needs to attach training instances to the VPC.

        From "CreateTrainingJob API: Execution Role Permissions" (SageMaker developer guide).
        The Describe actions have no resource-level permissions; the interface actions are
        limited to network interfaces in this VPC.
        """
        stack = cdk.Stack.of(grantee)
        region, account, partition = stack.region, stack.account, stack.partition
        principal = grantee
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                resources=["*"],
            )
        )
        interfaces = f"arn:{partition}:ec2:{region}:{account}:network-interface/*"
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ec2:CreateNetworkInterface"],
                resources=[
                    interfaces,
                    *(f"arn:{partition}:ec2:{region}:{account}:subnet/{s}" for s in self.subnet_ids),
                    *(
                        f"arn:{partition}:ec2:{region}:{account}:security-group/{g.security_group_id}"
                        for g in self.security_groups
                    ),
                ],
            )
        )
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                ],
                resources=[interfaces],
                conditions={"ArnEquals": {"ec2:Vpc": f"arn:{partition}:ec2:{region}:{account}:vpc/{self.vpc.vpc_id}"}},
            )
        )


def _acknowledge_member_traffic(group: ec2.SecurityGroup) -> None:
    """The self-referencing rule is what distributed training needs, and cdk-nag flags every all-traffic rule.

    SageMaker: "configure a rule for your security group that allows inbound connections between
    members of the same security group" (Developer Guide, "Give SageMaker Training Jobs Access to
    Resources in Your Amazon VPC"); EFA instances need all traffic within the group (EC2 User Guide,
    "Prepare an EFA-enabled security group"). The rule's source is the group itself, never a CIDR.
    """
    rules: list[IConstruct] = [c for c in group.node.children if isinstance(c, ec2.CfnSecurityGroupIngress)]
    for rule in rules or [group]:
        acknowledge(
            rule,
            "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts",
            "All traffic from members of this security group only, for distributed training: SageMaker "
            "Developer Guide, 'Give SageMaker Training Jobs Access to Resources in Your Amazon VPC'; "
            "EC2 User Guide, 'Prepare an EFA-enabled security group'",
        )
