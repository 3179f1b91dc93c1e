"""Instance types with local NVMe storage get no VolumeKmsKeyId: the table, the requests, the refusals.

SageMaker API Reference, ResourceConfig and HyperParameterTuningResourceConfig: "You can't request a
VolumeKmsKeyId when using an instance type with local storage."
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import botocore.session
import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api import _instance_storage as storage
from tests.builders import config, definition
from tests.conftest import new_stack
from tests.template_helpers import definition as asl

_ENUM = botocore.session.get_session().get_service_model("sagemaker").shape_for("TrainingInstanceType").enum
_KEY = "VolumeKmsKeyId"
_HPTRC = "HyperParameterTuningResourceConfig"

# Families whose training instances have EBS storage only: the EC2 Instance Types guide lists an instance
# store for none of their sizes (their "d" variants have one: m5d, c5d, r5d...); the SageMaker Developer
# Guide, "Managing storage paths for different types of instance local storage", names ml.c5 and ml.p2.
# Not used by the library (it reads only LOCAL_STORAGE_FAMILIES): it makes a new family in botocore's
# enum fail below until someone classifies it.
_EBS_ONLY = {
    *("ml.m4", "ml.m5", "ml.m6i", "ml.m7i", "ml.m7i-flex", "ml.m8i", "ml.m8i-flex", "ml.t3"),
    *("ml.c4", "ml.c5", "ml.c5n", "ml.c6i", "ml.c7i", "ml.c7i-flex", "ml.c8i", "ml.c8i-flex"),
    *("ml.r5", "ml.r6i", "ml.r7i", "ml.r8i", "ml.r8i-flex"),
    *("ml.p2", "ml.p3"),
}


def fails(message: str) -> Any:
    return pytest.raises(sm.ValidationError, match=re.escape(message))


# The table


def test_every_family_of_the_table_is_in_botocores_enum() -> None:
    families = {storage.family(t) for t in _ENUM}
    assert set(storage.LOCAL_STORAGE_FAMILIES) <= families
    assert set(storage.UNVERIFIED_FAMILIES) <= families
    assert not set(storage.LOCAL_STORAGE_FAMILIES) & set(storage.UNVERIFIED_FAMILIES)


def test_local_storage_types_are_the_enums_members_of_those_families() -> None:
    types = storage.LOCAL_STORAGE_TYPES
    assert types == sorted(types)
    assert set(types) <= set(_ENUM)
    assert {"ml.g4dn.xlarge", "ml.g5.48xlarge", "ml.p4d.24xlarge", "ml.p5.48xlarge", "ml.trn1.32xlarge"} <= set(types)
    assert {"ml.m5.xlarge", "ml.p3.2xlarge", "ml.c5n.xlarge", "ml.r5.large"}.isdisjoint(types)
    assert {storage.family(t) for t in types} == set(storage.LOCAL_STORAGE_FAMILIES)
    assert all(storage.has_local_storage(t) for t in types)


def test_every_family_of_the_enum_is_classified() -> None:
    unclassified = {storage.family(t) for t in _ENUM} - (
        set(storage.LOCAL_STORAGE_FAMILIES) | set(storage.UNVERIFIED_FAMILIES) | _EBS_ONLY
    )
    assert not unclassified, f"botocore knows families nobody classified (instance store or EBS only): {unclassified}"


def test_each_row_cites_its_page() -> None:
    for family, source in storage.LOCAL_STORAGE_FAMILIES.items():
        assert "https://docs.aws.amazon.com/" in source, family


def test_the_api_reference_says_what_the_table_is_for() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    for shape in ("ResourceConfig", _HPTRC):
        documentation = model.shape_for(shape).members[_KEY].documentation
        assert "local storage" in documentation and "VolumeKmsKeyId" in documentation, shape


def test_families_are_matched_whole() -> None:
    assert storage.has_local_storage("ml.p5.4xlarge")
    assert not storage.has_local_storage("ml.p5")
    assert not storage.has_local_storage("ml.g5e.xlarge")
    assert not storage.has_local_storage("ml.m5d-like.xlarge")
    assert storage.local_storage_globs()[:2] == ["ml.g4dn.*", "ml.g5.*"]


# Requests the library builds


@pytest.fixture(scope="module")
def g5_training() -> dict[str, Any]:
    stack = new_stack()
    sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=definition(resource_config=sm.ResourceConfig(instance_type="ml.g5.xlarge")),
    )
    return Template.from_stack(stack).to_json()


def test_a_local_storage_training_job_is_sent_no_volume_key(g5_training: dict[str, Any]) -> None:
    parameters = asl(g5_training)["States"]["Create training job"]["Parameters"]
    assert parameters["ResourceConfig"] == {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10}
    # The artifacts in S3 keep the workflow's key.
    assert parameters["OutputDataConfig"]["KmsKeyId"] == "${KeyArn}"


def test_an_ebs_training_job_keeps_its_volume_key() -> None:
    workflow = sm.TrainingWorkflow(new_stack(), "Training", training_job_definition=definition())
    assert workflow.request["ResourceConfig"][_KEY] == workflow.request["OutputDataConfig"]["KmsKeyId"]


def test_one_local_storage_choice_among_instance_configs_drops_the_key() -> None:
    choices = [
        sm.HyperParameterTuningInstanceConfig(instance_type="ml.m5.xlarge"),
        sm.HyperParameterTuningInstanceConfig(instance_type="ml.g5.2xlarge"),
    ]
    workflow = sm.TuningWorkflow(
        new_stack(),
        "Tuning",
        hyper_parameter_tuning_job_config=config(),
        training_job_definition=definition(
            hyper_parameter_tuning_resource_config=sm.HyperParameterTuningResourceConfig(instance_configs=choices)
        ),
    )
    assert _KEY not in workflow.request["TrainingJobDefinition"][_HPTRC]


def test_a_local_storage_instance_group_drops_the_key() -> None:
    groups = [
        sm.InstanceGroup(instance_group_name="cpu", instance_type="ml.c5.xlarge", instance_count=1),
        sm.InstanceGroup(instance_group_name="gpu", instance_type="ml.p4d.24xlarge", instance_count=1),
    ]
    workflow = sm.TrainingWorkflow(
        new_stack(),
        "Training",
        training_job_definition=definition(resource_config=sm.ResourceConfig(instance_groups=groups)),
    )
    assert _KEY not in workflow.request["ResourceConfig"]


def multi_request() -> dict[str, Any]:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job-multi.json").read())
    request["TrainingJobDefinitions"][0][_HPTRC]["InstanceConfigs"][1]["InstanceType"] = "ml.g5.2xlarge"
    return dict(request)


def test_each_training_job_definition_is_decided_alone() -> None:
    workflow = sm.tuning_workflow_from_request(new_stack(), "Tuning", multi_request())
    first, second = workflow.request["TrainingJobDefinitions"]
    assert _KEY not in first[_HPTRC]
    assert second["ResourceConfig"][_KEY] == second["OutputDataConfig"]["KmsKeyId"]


# Requests that set a volume key where SageMaker refuses one


def test_a_request_setting_a_volume_key_on_local_storage_is_refused() -> None:
    request = json.loads(open("examples/requests/create-training-job.json").read())
    request["ResourceConfig"]["InstanceType"] = "ml.p4d.24xlarge"
    with fails(
        "ResourceConfig.VolumeKmsKeyId: must be absent: ResourceConfig.InstanceType is ml.p4d.24xlarge, an "
        "instance type with local storage, which its hardware module encrypts (SageMaker refuses a "
        "VolumeKmsKeyId there), but got 'alias/replaced-by-constructs-sm'"
    ):
        sm.training_workflow_from_request(new_stack(), "Training", request)


def test_the_refusal_names_the_definition_and_the_choice() -> None:
    request = multi_request()
    config_with_key = request["TrainingJobDefinitions"][0][_HPTRC]
    config_with_key[_KEY] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with fails(
        f"TrainingJobDefinitions[0].{_HPTRC}.VolumeKmsKeyId: must be absent: "
        f"TrainingJobDefinitions[0].{_HPTRC}.InstanceConfigs[1].InstanceType is ml.g5.2xlarge"
    ):
        sm.to_current_request(copy.deepcopy(request))


def test_a_request_without_the_key_passes_the_check() -> None:
    assert sm.to_current_request(multi_request())["TrainingJobDefinitions"][0][_HPTRC]["InstanceConfigs"]
