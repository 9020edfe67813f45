"""Executor of VersionedPusher."""
import hashlib
import json
import os
import re
import uuid
from typing import Optional

from absl import logging
from tfx.components.pusher import executor as pusher_executor
from tfx.dsl.io import fileio
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from core import faults, versions

FINGERPRINT_FILES = ("fingerprint.pb", "saved_model.pb")
EVALUATED_AGAINST = "serving_version_evaluated"  # custom_config: the version the Evaluator compared with (None: none)
CANARY_TRAFFIC = "canary_traffic"  # custom_config: push as a canary answering this share of requests (absent: no)


def model_fingerprint(model_dir: str) -> str:
    """Identity of a SavedModel: its fingerprint.pb (TF >= 2.11) or the bytes of its graph and variables."""
    digest = hashlib.sha256()
    fingerprint = os.path.join(model_dir, "fingerprint.pb")
    paths = [fingerprint] if fileio.exists(fingerprint) else [
        os.path.join(model_dir, "saved_model.pb"), os.path.join(model_dir, "variables", "variables.index")]
    for path in paths:
        if fileio.exists(path):
            with fileio.open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


def existing_versions(base_directory: str):
    if not fileio.exists(base_directory):
        return []
    names = [name.rstrip("/") for name in fileio.listdir(base_directory)]
    return sorted(int(name) for name in names if re.fullmatch(r"\d+", name))


def find_identical_version(base_directory: str, model_path: str) -> Optional[int]:
    wanted = model_fingerprint(model_path)
    for version in existing_versions(base_directory):
        if model_fingerprint(os.path.join(base_directory, str(version))) == wanted:
            return version
    return None


def stale_blessing(base_directory: str, custom_config: dict) -> str:
    """Why the blessing no longer holds ('' when it does): a version began serving after the Evaluator compared
    the candidate with the one serving then (another training pushed, or a rollback pinned)."""
    if EVALUATED_AGAINST not in custom_config or versions.on_object_store(base_directory):
        return ""
    evaluated, serving = custom_config[EVALUATED_AGAINST], versions.production_version(base_directory)
    if serving == evaluated:
        return ""
    compared = f"version {evaluated}" if evaluated is not None else "no serving model"
    return f"version {serving} began serving after this candidate was compared with {compared}: the blessing is stale"


def copy_version(model_path: str, base_directory: str) -> int:
    """Copies the model as the next version and returns its number."""
    fileio.makedirs(base_directory)
    local = not versions.on_object_store(base_directory)
    for _ in range(10):
        version = (existing_versions(base_directory) or [0])[-1] + 1
        target = os.path.join(base_directory, str(version))
        if not local:
            # Object stores have no atomic rename: copy saved_model.pb last, as TFX does,
            # since servers treat it as the sign that a version is complete.
            io_utils.copy_dir(model_path, target, deny_regex_patterns=[r"saved_model\.pb"])
            io_utils.copy_file(os.path.join(model_path, "saved_model.pb"), os.path.join(target, "saved_model.pb"))
            return version
        staging = os.path.join(base_directory, f".push-{version}-{uuid.uuid4().hex[:8]}")
        faults.point("push-copying")
        try:
            io_utils.copy_dir(model_path, staging)
        except BaseException:  # a full disk: what was copied is no version and must not keep the space
            io_utils.delete_dir(staging)
            raise
        faults.point("push-staged")
        try:
            os.rename(staging, target)
            return version
        except OSError:  # another push took this number first
            io_utils.delete_dir(staging)
    raise RuntimeError(f"could not claim a new version under {base_directory}")


class Executor(pusher_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        self._log_startup(input_dict, output_dict, exec_properties)
        model_push = artifact_utils.get_single_instance(output_dict[standard_component_specs.PUSHED_MODEL_KEY])
        if not self.CheckBlessing(input_dict):
            self._MarkNotPushed(model_push)
            model_push.set_string_custom_property("reason", self._decline_reason(input_dict))
            return

        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination)
        if destination.WhichOneof("destination") != "filesystem":
            return super().Do(input_dict, output_dict, exec_properties)
        base_directory = destination.filesystem.base_directory
        model_path = self.GetModelPath(input_dict)
        fileio.makedirs(base_directory)
        custom_config = json.loads(exec_properties.get("custom_config") or "null") or {}
        canary_traffic = custom_config.get(CANARY_TRAFFIC) if not versions.on_object_store(base_directory) else None
        with versions.changing(base_directory):  # what serves cannot change between the checks and the copy
            stale = stale_blessing(base_directory, custom_config)
            if stale:
                self._MarkNotPushed(model_push)
                model_push.set_int_custom_property("stale_blessing", 1)
                model_push.set_string_custom_property("reason", stale)
                logging.info("Not pushing: %s.", stale)
                return
            identical = find_identical_version(base_directory, model_path)
            if identical is not None:
                self._MarkNotPushed(model_push)
                model_push.set_int_custom_property("identical_version", identical)
                model_push.set_string_custom_property(
                    "reason", f"identical to version {identical}, already in {base_directory}")
                logging.info("Model already pushed as version %s; not pushing again.", identical)
                return
            stable = versions.hold_for_canary(base_directory, (existing_versions(base_directory) or [0])[-1] + 1) \
                if canary_traffic else None
            version = copy_version(model_path, base_directory)
            if stable is not None:
                versions.write_canary(base_directory, version, stable, float(canary_traffic))
                model_push.set_int_custom_property("canary_of", stable)
        io_utils.copy_dir(model_path, model_push.uri)  # archive, as TFX's Pusher does
        self._MarkPushed(model_push, pushed_destination=os.path.join(base_directory, str(version)),
                         pushed_version=str(version))
        model_push.set_string_custom_property("reason", "blessed by Evaluator and infra validation")
        logging.info("Model pushed as version %s to %s.", version, base_directory)

    @staticmethod
    def _decline_reason(input_dict) -> str:
        reasons = []
        for key, who in ((standard_component_specs.MODEL_BLESSING_KEY, "Evaluator"),
                         (standard_component_specs.INFRA_BLESSING_KEY, "infra validation")):
            artifacts = input_dict.get(key)
            if not artifacts:
                continue
            blessing = artifact_utils.get_single_instance(artifacts)
            if blessing.get_int_custom_property("blessed") != 1:
                detail = blessing.get_string_custom_property("reason") if blessing.has_custom_property("reason") else ""
                reasons.append(f"not blessed by {who}" + (f": {detail}" if detail else ""))
        return "; ".join(reasons) or "not blessed"
