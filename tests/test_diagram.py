"""Diagrams of hand-written state machine definitions (no CDK synth)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from constructs_sm.diagram import (
    definitions_from_template,
    to_dot,
    to_mermaid,
    write_svg,
)

ODD = 'Say "hi" <now> & #1 | ok'
TUNING: dict[str, Any] = {
    "StartAt": "Tune",
    "States": {
        "Tune": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync",
            "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 5}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Tuning failed"}],
            "Next": "Describe",
        },
        "Describe": {
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeTrainingJob",
            "Next": "Good?",
        },
        "Good?": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.status", "StringEquals": "Completed", "Next": ODD},
                {"Variable": "$.tries", "NumericLessThan": 3, "Next": "Pause"},
            ],
            "Default": "Tuning failed",
        },
        "Pause": {"Type": "Wait", "Seconds": 30, "Next": "Tune"},
        ODD: {"Type": "Succeed"},
        "Tuning failed": {"Type": "Fail", "Error": "TuningFailed"},
    },
}
FAN_OUT: dict[str, Any] = {
    "StartAt": "Fan out",
    "States": {
        "Fan out": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Score",
                    "States": {
                        "Score": {
                            "Type": "Task",
                            "Resource": "arn:aws:lambda:us-east-1:1:function:score",
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Each file",
                    "States": {
                        "Each file": {
                            "Type": "Map",
                            "ItemProcessor": {
                                "StartAt": "Copy",
                                "States": {"Copy": {"Type": "Pass", "End": True}},
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def node_ids(mermaid: str) -> dict[str, str]:
    """State name -> Mermaid node id, read from the node declarations."""
    found = re.findall(r'^\s+(\w+)[\[({]+"(.*?)<br/>', mermaid, re.MULTILINE)
    return {label: node_id for node_id, label in found}


def test_mermaid_has_a_node_per_state_with_type_and_integration() -> None:
    text = to_mermaid(TUNING)
    ids = node_ids(text)
    assert text.startswith("flowchart TD\n")
    assert {"Tune", "Describe", "Good?", "Pause", "Tuning failed"} <= set(ids)
    assert all(re.fullmatch(r"s\d+", node_id) for node_id in ids.values())
    assert "Tune<br/>Task<br/>sagemaker:createHyperParameterTuningJob.sync" in text
    assert "Describe<br/>Task<br/>aws-sdk:sagemaker:describeTrainingJob" in text
    assert "Pause<br/>Wait<br/>Seconds: 30" in text
    assert "Tuning failed<br/>Fail<br/>Error: TuningFailed" in text
    assert f"start --> {ids['Tune']}" in text


def test_mermaid_edges_for_next_choice_default_retry_and_catch() -> None:
    text = to_mermaid(TUNING)
    ids = node_ids(text)
    tune, good, failed = ids["Tune"], ids["Good?"], ids["Tuning failed"]
    assert f"{tune} --> {ids['Describe']}" in text
    assert f'{good} -->|"$.status == #34;Completed#34;"| s4' in text
    assert f'{good} -->|"$.tries #60; 3"| {ids["Pause"]}' in text
    assert f'{good} -->|"default"| {failed}' in text
    assert f'{tune} -->|"retry ×5: States.Timeout"| {tune}' in text
    assert f'{tune} -.->|"States.ALL"| {failed}' in text
    assert f"{ids['Pause']} --> {tune}" in text
    assert "s4 --> finish" in text
    assert not re.search(rf"^\s+{failed} -", text, re.MULTILINE)  # Fail is terminal


def test_mermaid_escapes_odd_state_names() -> None:
    text = to_mermaid(TUNING)
    assert 's4(["Say #34;hi#34; #60;now#62; #38; #35;1 #124; ok<br/>Succeed"])' in text
    assert ODD not in text


def test_parallel_and_map_become_nested_subgraphs() -> None:
    text = to_mermaid(FAN_OUT)
    ids = node_ids(text)
    subgraphs = re.findall(r'subgraph (c\d+) \["(.*?)"\]', text)
    assert subgraphs == [
        ("c0", "Fan out: branch 1"),
        ("c1", "Fan out: branch 2"),
        ("c2", "Each file: each item"),
    ]
    branch_2 = text[text.index("subgraph c1") : text.rindex("end")]
    assert "subgraph c2" in branch_2 and f"{ids['Copy']}(" in branch_2
    fan = ids["Fan out"]
    assert f'{fan} -->|"branch 1"| {ids["Score"]}' in text
    assert f'{fan} -->|"branch 2"| {ids["Each file"]}' in text
    assert f'{ids["Each file"]} -->|"each item"| {ids["Copy"]}' in text
    assert "Score<br/>Task<br/>lambda:score" in text
    # Branch ends lead to what follows the Parallel state.
    assert f"{ids['Score']} --> {ids['Done']}" in text
    assert f"{ids['Copy']} --> {ids['Done']}" in text


def test_transition_to_an_undefined_state_is_an_error() -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    with pytest.raises(ValueError, match="'B'"):
        to_mermaid(broken)


def test_dot_has_clusters_dashed_catch_and_escaped_labels() -> None:
    text = to_dot(
        {
            **TUNING,
            "States": {**TUNING["States"], "Pause": {"Type": "Wait", "SecondsPath": '$.wait\\"s', "Next": "Tune"}},
        }
    )
    assert text.startswith("digraph state_machine {")
    assert 'label="Tuning failed\\nFail\\nError: TuningFailed"' in text
    assert 's0 -> s5 [label="States.ALL", style=dashed' in text
    assert 's0 -> s0 [label="retry ×5: States.Timeout"]' in text
    assert 'label="Say \\"hi\\" <now> & #1 | ok\\nSucceed"' in text
    assert 'SecondsPath: $.wait\\\\\\"s' in text
    assert "subgraph cluster_c0 {" in to_dot(FAN_OUT)


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join("".join(element.itertext()) for element in root.iter())


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_write_svg_with_graphviz(tmp_path: Path) -> None:
    path = write_svg(TUNING, tmp_path / "tuning.svg")
    assert path == tmp_path / "tuning.svg"
    texts = svg_texts(path)
    assert "sagemaker:createHyperParameterTuningJob.sync" in texts
    assert 'Say "hi" <now> & #1 | ok' in texts


@pytest.mark.parametrize("definition", [TUNING, FAN_OUT])
def test_write_svg_without_graphviz(
    definition: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = write_svg(definition, str(tmp_path / "machine.svg"))
    texts = svg_texts(path)
    root = ET.parse(path).getroot()
    arrows = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    for state in definition["States"]:
        assert state in texts
    assert "Start" in texts and "End" in texts
    if definition is TUNING:
        assert "retry ×5: States.Timeout" in texts
        assert '$.status == "Completed"' in texts
        # Start, Next x2, Choice x3, Catch, back edge from Pause, End.
        assert len(arrows) == 9
        assert sum(a.get("stroke-dasharray") is not None for a in arrows) == 1
    else:
        assert "Fan out: branch 2" in texts and "Each file: each item" in texts


def test_use_dot_forces_or_requires_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append("dot"))
    write_svg(TUNING, tmp_path / "a.svg", use_dot=False)
    assert calls == []
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="dot"):
        write_svg(TUNING, tmp_path / "b.svg", use_dot=True)


def test_definitions_from_template() -> None:
    machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    joined = [
        '{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:',
        {"Ref": "AWS::Partition"},
        ':states:::sagemaker:createTrainingJob.sync","Parameters":{"RoleArn":"',
        {"Fn::GetAtt": ["ExecRole", "Arn"]},
        '","Bucket":"',
        {"Ref": "DataBucket"},
        '","Timeout":',
        {"Ref": "TimeoutParam"},
        '},"End":true}}}',
    ]
    template = {
        "Resources": {
            "Plain": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": json.dumps(machine).replace('"A"', '"${Name}"')},
            },
            "Joined": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": {"Fn::Join": ["", joined]}},
            },
            "Inline": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"Definition": machine},
            },
            "Bucket": {"Type": "AWS::S3::Bucket"},
        }
    }
    found = definitions_from_template(template)
    assert list(found) == ["Plain", "Joined", "Inline"]
    assert found["Plain"]["StartAt"] == "${Name}"
    assert found["Inline"] == machine
    run = found["Joined"]["States"]["Run"]
    assert run["Resource"] == "arn:${AWS::Partition}:states:::sagemaker:createTrainingJob.sync"
    assert run["Parameters"] == {
        "RoleArn": "${GetAtt:ExecRole.Arn}",
        "Bucket": "${Ref:DataBucket}",
        "Timeout": "${Ref:TimeoutParam}",
    }
    assert "sagemaker:createTrainingJob.sync" in to_mermaid(found["Joined"])
