"""Permission rows of a hand-written CloudFormation template fragment (no CDK synth)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from constructs_sm.cli import main
from constructs_sm.tools.permissions import (
    IMPORTED_ROLE,
    NO_REASON,
    NO_ROLE,
    PermissionRow,
    format_table,
    permission_rows,
)

BUCKET_ARN = {"Fn::GetAtt": ["DataBucket", "Arn"]}
PASS_ROLE_CONDITION = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "ExecRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "sagemaker.amazonaws.com"},
                        }
                    ]
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":iam::aws:policy/AmazonSageMakerReadOnly",
                            ],
                        ]
                    }
                ],
                "Policies": [
                    {
                        "PolicyName": "logging",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "logs:PutLogEvents",
                                    "Resource": "*",
                                }
                            ]
                        },
                    }
                ],
            },
        },
        "ExecRoleDefaultPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "ExecRoleDefaultPolicy",
                "Roles": [{"Ref": "ExecRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Sid": "ReadInputChannels",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:ListBucket"],
                            "Resource": [
                                BUCKET_ARN,
                                {"Fn::Join": ["", [BUCKET_ARN, "/train/*"]]},
                            ],
                        },
                        {
                            "Effect": "Allow",
                            "Action": "kms:Decrypt",
                            "Resource": {"Fn::GetAtt": ["Key", "Arn"]},
                        },
                        {
                            "Effect": "Allow",
                            "Action": "iam:PassRole",
                            "Resource": {"Fn::GetAtt": ["ExecRole", "Arn"]},
                            "Condition": PASS_ROLE_CONDITION,
                        },
                        {
                            "Effect": "Allow",
                            "Action": "states:StartExecution",
                            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:states:*"},
                        },
                    ]
                },
            },
        },
        "MachineRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {
                            "Service": {
                                "Fn::Join": [
                                    "",
                                    ["states.", {"Ref": "AWS::Region"}, ".amazonaws.com"],
                                ]
                            }
                        },
                    }
                },
                "ManagedPolicyArns": [{"Ref": "Guardrail"}],
            },
        },
        "Guardrail": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": {
                        "Sid": "OnlySageMaker",
                        "Effect": "Deny",
                        "NotAction": "sagemaker:*",
                        "Resource": "*",
                    }
                }
            },
        },
        "MachineRolePolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "MachineRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "xray:PutTraceSegments",
                            "Resource": "*",
                        }
                    ]
                },
            },
        },
        "Machine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "RoleArn": {"Fn::GetAtt": ["MachineRole", "Arn"]},
                "DefinitionString": '{"StartAt":"Train","States":{"Train":{"Type":"Task",'
                '"Resource":"arn:${Partition}:states:::sagemaker:createTrainingJob.sync",'
                '"Parameters":{"RoleArn":"${ExecutionRoleArn}"},"End":true}}}',
                "DefinitionSubstitutions": {
                    "Partition": {"Ref": "AWS::Partition"},
                    "ExecutionRoleArn": {"Fn::GetAtt": ["ExecRole", "Arn"]},
                },
            },
        },
        # Not made by this library: a VPC flow-log role, as aws-cdk-lib's FlowLog writes it.
        "FlowLogsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                        }
                    ]
                },
                "ManagedPolicyArns": [{"Ref": "FlowLogsPolicy"}],
            },
        },
        "FlowLogsPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Sid": "WriteTrainingLogs",
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": {"Fn::GetAtt": ["FlowLogs", "Arn"]},
                        },
                        {
                            "Effect": "Allow",
                            "Action": "iam:PassRole",
                            "Resource": {"Fn::GetAtt": ["FlowLogsRole", "Arn"]},
                        },
                    ]
                }
            },
        },
        "DataBucket": {"Type": "AWS::S3::Bucket"},
        # As the constructs write their policies: each statement's reason in the Metadata, in order.
        "ExecRolePolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Metadata": {
                "constructs_sm:Reasons": [
                    "SageMaker writes the objects under the S3 prefix (CreateTrainingJob API: Execution Role Permissions)",
                    "",
                ]
            },
            "Properties": {
                "Roles": [{"Ref": "ExecRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Join": ["", [BUCKET_ARN, "/models/*"]]},
                        },
                        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                    ]
                },
            },
        },
    }
}


def rows_of(role: str) -> list[PermissionRow]:
    return [row for row in permission_rows(TEMPLATE) if row.role == role]


def test_policy_statements_give_one_row_per_action() -> None:
    rows = [r for r in rows_of("ExecRole") if r.policy == "ExecRoleDefaultPolicy"]
    assert [(r.statement, r.action) for r in rows] == [
        ("ReadInputChannels", "s3:GetObject"),
        ("ReadInputChannels", "s3:ListBucket"),
        ("#1", "kms:Decrypt"),
        ("#2", "iam:PassRole"),
        ("#3", "states:StartExecution"),
    ]
    assert {r.principals for r in rows} == {"sagemaker.amazonaws.com"}
    assert {r.effect for r in rows} == {"Allow"}


def test_resources_are_rendered_readably() -> None:
    resources = {r.action: r.resource for r in rows_of("ExecRole")}
    assert resources["s3:GetObject"] == "DataBucket.Arn, ${DataBucket.Arn}/train/*"
    assert resources["kms:Decrypt"] == "Key.Arn"
    assert resources["iam:PassRole"] == "ExecRole.Arn"
    assert resources["states:StartExecution"] == "arn:${AWS::Partition}:states:*"


def test_conditions_are_compact_json() -> None:
    conditions = {r.action: r.condition for r in rows_of("ExecRole")}
    assert json.loads(conditions["iam:PassRole"]) == PASS_ROLE_CONDITION
    assert " " not in conditions["iam:PassRole"].replace("iam:Passed", "")
    assert conditions["kms:Decrypt"] == ""


def test_why_is_the_reason_the_policy_records() -> None:
    why = {(r.role, r.action): r.why for r in permission_rows(TEMPLATE)}
    assert why["ExecRole", "s3:PutObject"] == (
        "SageMaker writes the objects under the S3 prefix (CreateTrainingJob API: Execution Role Permissions)"
    )
    assert why["ExecRole", "sqs:SendMessage"] == NO_REASON  # recorded empty: given to the role from outside


def test_without_a_recorded_reason_why_says_so_and_guesses_nothing() -> None:
    """An AWS::IAM::Policy or a managed policy without the Metadata, an inline policy, one not in the
    template: whatever the role, the action or the Sid, no reason is made up."""
    why = {(r.role, r.action): r.why for r in permission_rows(TEMPLATE)}
    for key in [
        ("ExecRole", "s3:GetObject"),
        ("ExecRole", "kms:Decrypt"),
        ("ExecRole", "logs:PutLogEvents"),
        ("ExecRole", "(AWS managed policy)"),
        ("MachineRole", "xray:PutTraceSegments"),
        ("MachineRole", "NOT sagemaker:*"),
    ]:
        assert why[key] == NO_REASON, key
    rows = rows_of("FlowLogsRole")
    assert rows[0].statement == "WriteTrainingLogs"  # a Sid alone gives no reason
    assert {r.why for r in rows} == {NO_REASON}


def test_reasons_that_do_not_match_the_statements_are_not_used() -> None:
    resources = json.loads(json.dumps(TEMPLATE["Resources"]))
    resources["ExecRolePolicy"]["Metadata"]["constructs_sm:Reasons"].append("one too many")
    rows = [r for r in permission_rows({"Resources": resources}) if r.policy == "ExecRolePolicy"]
    assert {r.why for r in rows} == {NO_REASON}


def test_inline_and_managed_policies() -> None:
    rows = rows_of("ExecRole")
    inline = [r for r in rows if r.policy == "logging (inline)"]
    assert [(r.action, r.resource) for r in inline] == [("logs:PutLogEvents", "*")]
    managed = rows[-1]
    assert managed.policy == "AmazonSageMakerReadOnly"
    assert managed.action == "(AWS managed policy)"
    assert managed.resource == "arn:${AWS::Partition}:iam::aws:policy/AmazonSageMakerReadOnly"


def test_managed_policy_in_the_template_is_expanded() -> None:
    rows = rows_of("MachineRole")
    assert [(r.policy, r.statement, r.effect, r.action) for r in rows] == [
        ("Guardrail", "OnlySageMaker", "Deny", "NOT sagemaker:*"),
        ("MachineRolePolicy", "#0", "Allow", "xray:PutTraceSegments"),
    ]
    assert rows[0].principals == "states.${AWS::Region}.amazonaws.com"


def test_rows_are_frozen() -> None:
    row = permission_rows(TEMPLATE)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.action = "*"  # type: ignore[misc]


def test_markdown_table_shape() -> None:
    rows = permission_rows(TEMPLATE)
    odd = dataclasses.replace(rows[0], resource="a|b")
    lines = format_table([*rows, odd], fmt="markdown").splitlines()
    assert len(lines) == len(rows) + 3
    assert lines[0] == ("| Role | Principals | Policy | Statement | Effect | Action | Resource | Condition | Why |")
    assert lines[1] == "| " + " | ".join(["---"] * 9) + " |"
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    assert lines[-1].count(" | ") == 8 and "a\\|b" in lines[-1]


def test_text_table_groups_by_role_policy_and_statement() -> None:
    text = format_table(permission_rows(TEMPLATE))
    assert text.startswith("Role ExecRole (assumed by sagemaker.amazonaws.com)\n  Policy ExecRoleDefaultPolicy\n")
    assert "    ReadInputChannels Allow: s3:GetObject, s3:ListBucket\n" in text
    assert f"      Resource:  DataBucket.Arn, ${{DataBucket.Arn}}/train/*\n      Why:       {NO_REASON}\n" in text
    reason = "SageMaker writes the objects under the S3 prefix (CreateTrainingJob API: Execution Role Permissions)"
    assert (
        f"    #0 Allow: s3:PutObject\n      Resource:  ${{DataBucket.Arn}}/models/*\n      Why:       {reason}\n"
        in text
    )
    assert '      Condition: {"StringEquals":{"iam:PassedToService":"sagemaker.amazonaws.com"}}\n' in text
    assert "    Guardrail" not in text and "  Policy Guardrail\n    OnlySageMaker Deny: NOT sagemaker:*\n" in text
    flow = text[text.index("Role FlowLogsRole") :]
    assert flow.count(f"Why:       {NO_REASON}\n") == 2  # one a statement


def test_text_table_lines_fit_120_columns_and_keep_every_value() -> None:
    long_arn = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${VpctrainingSubnet1Subnet3203580F}"
    row = dataclasses.replace(
        permission_rows(TEMPLATE)[0],
        resource=", ".join([long_arn] * 3),
        condition=json.dumps({"ArnEquals": {"ec2:Vpc": long_arn, "ec2:Subnet": [long_arn, long_arn]}}),
        action="ec2:" + "CreateNetworkInterfacePermission" * 5,
    )
    rows = [*permission_rows(TEMPLATE), row]
    text = format_table(rows)
    assert max(map(len, text.splitlines())) <= 120
    flat = "".join(line.strip() for line in text.splitlines())
    for value in (row.resource.replace(" ", ""), row.condition.replace(" ", ""), row.action):
        assert value in flat.replace(" ", "")
    # Lists break between their items; ${...} placeholders are never split.
    assert not [line for line in text.splitlines() if re.search(r"\$\{[^}]*$|^\s*[^\s$]*\}", line)]
    resource_lines = text[text.rindex("Resource:  arn:") :].splitlines()[:3]
    assert [line.split()[-1].rstrip(",") for line in resource_lines] == [long_arn] * 3
    markdown = format_table(rows, fmt="markdown")
    assert any(len(line) > 300 for line in markdown.splitlines())  # markdown and CSV keep full width


def test_csv_round_trips() -> None:
    rows = permission_rows(TEMPLATE)
    parsed = list(csv.reader(io.StringIO(format_table(rows, fmt="csv"))))
    assert parsed[0][0] == "Role"
    assert parsed[1:] == [list(dataclasses.astuple(row)) for row in rows]


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="html"):
        format_table([], fmt="html")  # type: ignore[arg-type]


# Where platform teams already are: roles the template only names (imported), a role's own inline
# policies and AWS managed policies, policies attached to no role.
RUN_ROLE_ARN = {"Ref": "RunRoleArn"}
PLATFORM: dict[str, Any] = {
    "Parameters": {"RunRoleArn": {"Type": "String"}, "AuditRoleName": {"Type": "String"}},
    "Resources": {
        "TeamRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "sagemaker.amazonaws.com"},
                        }
                    ]
                },
                "Policies": [
                    {
                        "PolicyName": "team-logs",
                        "PolicyDocument": {
                            "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]
                        },
                    }
                ],
                "ManagedPolicyArns": [
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/CloudWatchAgentServerPolicy"},
                    "arn:aws:iam::123456789012:policy/team-boundary",
                ],
            },
        },
        # As aws-cdk-lib writes an imported mutable role's default policy: Roles names the role.
        "ImportedPolicy": {
            "Type": "AWS::IAM::Policy",
            "Metadata": {"constructs_sm:Reasons": ["SageMaker reads the objects under the S3 prefix", ""]},
            "Properties": {
                "PolicyName": "ImportedPolicy",
                "Roles": ["ml-exec", {"Ref": "TeamRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/train/*"},
                        {
                            "Effect": "Allow",
                            "Action": "sqs:SendMessage",
                            "Resource": "arn:aws:sqs:us-east-1:123456789012:q",
                        },
                    ]
                },
            },
        },
        # A role ARN known at deployment only: aws-cdk-lib takes the name out of it.
        "RunPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Roles": [
                    {
                        "Fn::Select": [
                            1,
                            {"Fn::Split": ["/", {"Fn::Select": [5, {"Fn::Split": [":", RUN_ROLE_ARN]}]}]},
                        ]
                    },
                    {"Ref": "AuditRoleName"},
                ],
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": "*"}]
                },
            },
        },
        "UserPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "UserPolicy",
                "Users": ["alice"],
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]
                },
            },
        },
    },
}


def test_every_policy_is_listed_under_each_role_it_attaches_to() -> None:
    listed = {(r.role, r.principals, r.policy) for r in permission_rows(PLATFORM)}
    assert listed == {
        ("TeamRole", "sagemaker.amazonaws.com", "ImportedPolicy"),
        ("TeamRole", "sagemaker.amazonaws.com", "team-logs (inline)"),
        ("TeamRole", "sagemaker.amazonaws.com", "AmazonS3ReadOnlyAccess"),
        ("TeamRole", "sagemaker.amazonaws.com", "CloudWatchAgentServerPolicy"),
        ("TeamRole", "sagemaker.amazonaws.com", "team-boundary"),
        ("ml-exec", IMPORTED_ROLE, "ImportedPolicy"),
        ("${RunRoleArn}", IMPORTED_ROLE, "RunPolicy"),
        ("${AuditRoleName}", IMPORTED_ROLE, "RunPolicy"),
        (NO_ROLE, "", "UserPolicy"),
    }
    roles = list(dict.fromkeys(r.role for r in permission_rows(PLATFORM)))
    assert roles == ["TeamRole", "ml-exec", "${RunRoleArn}", "${AuditRoleName}", NO_ROLE]


def test_an_imported_roles_policy_shows_the_reasons_it_records() -> None:
    rows = [r for r in permission_rows(PLATFORM) if r.role == "ml-exec"]
    assert [(r.statement, r.action, r.resource, r.why) for r in rows] == [
        ("#0", "s3:GetObject", "arn:aws:s3:::data/train/*", "SageMaker reads the objects under the S3 prefix"),
        ("#1", "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q", NO_REASON),
    ]
    team = [r for r in permission_rows(PLATFORM) if r.role == "TeamRole" and r.policy == "ImportedPolicy"]
    assert [r.why for r in team] == [r.why for r in rows], "the same policy, the same reasons, for each role"


def test_a_roles_inline_and_outside_managed_policies() -> None:
    rows = {r.policy: r for r in permission_rows(PLATFORM) if r.role == "TeamRole"}
    inline = rows["team-logs (inline)"]
    assert (inline.action, inline.resource, inline.why) == ("logs:PutLogEvents", "*", NO_REASON)
    assert [
        (rows[name].action, rows[name].resource)
        for name in ("AmazonS3ReadOnlyAccess", "CloudWatchAgentServerPolicy", "team-boundary")
    ] == [
        ("(AWS managed policy)", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        ("(AWS managed policy)", "arn:${AWS::Partition}:iam::aws:policy/CloudWatchAgentServerPolicy"),
        ("(managed policy)", "arn:aws:iam::123456789012:policy/team-boundary"),
    ]


def test_text_table_heads_imported_roles_and_policies_of_no_role() -> None:
    text = format_table(permission_rows(PLATFORM))
    assert "\nRole ml-exec (imported: who may assume it is not in the template)\n  Policy ImportedPolicy\n" in text
    assert "\nRole ${RunRoleArn} (imported: who may assume it is not in the template)\n  Policy RunPolicy\n" in text
    assert text.endswith(
        "Policies attached to no role\n  Policy UserPolicy\n    #0 Allow: s3:ListAllMyBuckets\n"
        f"      Resource:  *\n      Why:       {NO_REASON}\n"
    )


def test_the_permissions_command_lists_imported_roles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Platform.template.json"
    path.write_text(json.dumps(PLATFORM))
    assert main(["permissions", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Platform\nRole TeamRole (assumed by sagemaker.amazonaws.com)\n")
    assert "Role ml-exec (imported: who may assume it is not in the template)" in text
    assert "Why:       SageMaker reads the objects under the S3 prefix" in text
    assert "(AWS managed policy)" in text and "team-logs (inline)" in text
    assert main(["permissions", str(path), "--format", "csv"]) == 0
    parsed = [row for row in csv.reader(io.StringIO(capsys.readouterr().out)) if row and row[0] == "ml-exec"]
    assert [row[:6] for row in parsed] == [
        ["ml-exec", IMPORTED_ROLE, "ImportedPolicy", "#0", "Allow", "s3:GetObject"],
        ["ml-exec", IMPORTED_ROLE, "ImportedPolicy", "#1", "Allow", "sqs:SendMessage"],
    ]
