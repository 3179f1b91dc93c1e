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

from constructs_sm.cli import main
from constructs_sm.tools.diagram import (
    GraphvizNotFoundError,
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
    assert text.splitlines()[:2] == ['%%{init: {"flowchart": {"wrappingWidth": 400}}}%%', "flowchart TD"]
    assert {"Tune", "Describe", "Good?", "Pause", "Tuning failed"} <= set(ids)
    assert all(re.fullmatch(r"s\d+", node_id) for node_id in ids.values())
    assert "Tune<br/>Task<br/>sagemaker:createHyperParameterTuningJob.sync<br/>retry ×5: States.Timeout" in text
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
    # Retry is a note in the box: Mermaid draws self-loop labels over other boxes.
    assert f"{tune} -->" in text and not re.search(rf"{tune} -->.*\| {tune}$", text, re.MULTILINE)
    assert f'{tune} -.->|"States.ALL"| {failed}' in text
    links = [line for line in text.splitlines() if re.match(r"\s+\w+ -\.?->", line)]
    catch = next(i for i, line in enumerate(links) if "-.->" in line)
    assert f"    linkStyle {catch} stroke:#c62828,color:#c62828" in text
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
    assert "forcelabels=true" in text
    assert 'label=<<B>Tuning failed</B><BR ALIGN="CENTER"/>Fail<BR ALIGN="CENTER"/>Error: TuningFailed>' in text
    assert re.search(
        r's0 -> s5 \[label=<<TABLE[^>]*><TR><TD>States\.ALL</TD></TR></TABLE>>, style=dashed, color="#c62828"', text
    )
    assert re.search(r"s0 -> s0 \[label=<<TABLE[^>]*><TR><TD>retry ×5: States\.Timeout</TD>", text)
    assert "<B>Say &quot;hi&quot; &lt;now&gt; &amp; #1 | ok</B>" in text
    assert "SecondsPath: $.wait\\&quot;s" in text
    assert "subgraph cluster_c0 {" in to_dot(FAN_OUT)


LONG: dict[str, Any] = {
    "StartAt": "Describe the best training job of the hyperparameter tuning job",
    "States": {
        "Describe the best training job of the hyperparameter tuning job": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob",
            "Retry": [
                {
                    "ErrorEquals": ["SageMaker.ResourceLimitExceededException", "SageMaker.AmazonSageMakerException"],
                    "MaxAttempts": 5,
                }
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "The tuning job failed or was stopped early"}],
            "Next": "Has a best training job been chosen by the tuning job",
        },
        "Has a best training job been chosen by the tuning job": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.TuningJob.BestTrainingJob.TrainingJobName", "IsPresent": True, "Next": "Done"}],
            "Default": "The tuning job failed or was stopped early",
        },
        "Done": {"Type": "Succeed"},
        "The tuning job failed or was stopped early": {"Type": "Fail", "Error": "TuningJobFailedOrStopped"},
    },
}


def label_lines(dot: str) -> list[str]:
    """Every text line of every DOT label (HTML-like labels, tags stripped)."""
    labels = re.findall(r"label=<(.*?)>[,;\]]", dot)
    return [
        re.sub(r"<[^>]+>", "", line)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        for label in labels
        for line in re.split(r"<BR[^>]*>", label)
    ]


def shown_texts(definition: dict[str, Any]) -> list[str]:
    """The texts of a definition that its diagram shows: state names, error names, Fail errors."""
    texts = []
    for name, state in definition["States"].items():
        texts.append(name)
        texts += [e for rule in state.get("Retry", []) + state.get("Catch", []) for e in rule["ErrorEquals"]]
        texts += [state["Error"]] if "Error" in state else []
        for branch in state.get("Branches", []) + [state.get("ItemProcessor", {"States": {}})]:
            texts += shown_texts(branch)
    return texts


@pytest.mark.parametrize("definition", [TUNING, FAN_OUT, LONG])
def test_dot_labels_wrap_at_word_boundaries_only(definition: dict[str, Any]) -> None:
    lines = label_lines(to_dot(definition))
    tokens = {token.rstrip(",") for line in lines for token in line.split()}
    for text in shown_texts(definition):
        for word in text.split():
            assert word in tokens, f"{word!r} of {text!r} is cut"
    assert not any("…" in line for line in lines)
    # A line is at most the wrap width, unless it is one word that is longer.
    assert all(len(line) <= 36 or " " not in line for line in lines)


def test_long_names_are_never_cut() -> None:
    lines = label_lines(to_dot(LONG))
    assert ["Describe the best training job of", "the hyperparameter tuning job", "Task"] == lines[1:4]
    assert "aws-sdk:sagemaker:describeHyperParameterTuningJob" in lines  # one word, longer than the width
    assert "SageMaker.ResourceLimitExceededException," in lines
    mermaid = to_mermaid(LONG)
    assert "Describe the best training job of<br/>the hyperparameter tuning job<br/>Task" in mermaid
    assert "…" not in mermaid


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join("".join(element.itertext()) for element in root.iter())


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("definition", [TUNING, FAN_OUT])
def test_write_svg_with_graphviz(definition: dict[str, Any], tmp_path: Path) -> None:
    path = write_svg(definition, tmp_path / "machine.svg")
    assert path == tmp_path / "machine.svg"
    texts = svg_texts(path)
    for state in definition["States"]:
        assert state in texts
    if definition is TUNING:
        assert "sagemaker:createHyperParameterTuningJob.sync" in texts
        assert "retry ×5: States.Timeout" in texts and '$.status == "Completed"' in texts
    else:
        assert "Fan out: branch 2" in texts and "Each file: each item" in texts


def test_without_graphviz_svg_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("ran a program"))
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*brew install graphviz"):
        write_svg(TUNING, tmp_path / "a.svg")
    assert not (tmp_path / "a.svg").exists()


def test_cli_without_graphviz_exits_2_saying_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "machine.template.json"
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"Definition": TUNING}}
    template.write_text(json.dumps({"Resources": {"Machine": machine}}))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["diagram", str(template), "--format", "svg", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Graphviz" in err and "apt-get install graphviz" in err and "--format mermaid" in err
    assert not list(tmp_path.glob("*.svg"))


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
        "RoleArn": "${ExecRole.Arn}",
        "Bucket": "${DataBucket}",
        "Timeout": "${TimeoutParam}",
    }
    assert "sagemaker:createTrainingJob.sync" in to_mermaid(found["Joined"])


def test_definition_substitutions_are_shown_as_their_values() -> None:
    text = json.dumps(
        {
            "StartAt": "Run",
            "States": {
                "Run": {
                    "Type": "Task",
                    "Resource": "arn:${Partition}:states:::sagemaker:createTrainingJob.sync",
                    "Parameters": {"RoleArn": "${ExecutionRoleArn}", "Name": "${Unknown}"},
                    "End": True,
                }
            },
        }
    )
    machine = {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "DefinitionString": text,
            "DefinitionSubstitutions": {
                "Partition": {"Ref": "AWS::Partition"},
                "ExecutionRoleArn": {"Fn::GetAtt": ["ExecRole", "Arn"]},
            },
        },
    }
    (definition,) = definitions_from_template({"Resources": {"M": machine}}).values()
    run = definition["States"]["Run"]
    assert run["Resource"] == "arn:${AWS::Partition}:states:::sagemaker:createTrainingJob.sync"
    assert run["Parameters"] == {"RoleArn": "${ExecRole.Arn}", "Name": "${Unknown}"}
