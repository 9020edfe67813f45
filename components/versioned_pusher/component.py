"""VersionedPusher component.

Consumes: `model` (Model), `model_blessing` (ModelBlessing from Evaluator),
`infra_blessing` (InfraBlessing), and a filesystem `push_destination`.
Emits: `pushed_model` (PushedModel) with custom properties `pushed` (1/0),
`pushed_version`, `pushed_destination`, and `reason` when not pushed.
Short-circuits: does not push when either blessing is missing (as TFX's
Pusher); when the version serving now is not the one the Evaluator compared
the candidate with (`custom_config["serving_version_evaluated"]`: another
training pushed, or a rollback pinned, while this one ran); or when the same
model (same SavedModel fingerprint) is already a version in the destination —
so a rerun with nothing new never creates a duplicate version. Those checks and
the copy hold the version folder against other processes (`core.versions.changing`).

With `custom_config["canary_traffic"]` (push.mode: canary) the version that
served stays production (pinned before the new folder appears) and the new
version becomes its canary, answering that share of requests
(core/versions.py); `canary_of` names the stable version.

Versions are the integers TF Serving expects, 1, 2, 3 ... (TFX's Pusher uses
the Unix time). Locally a version is copied to a hidden folder and renamed
into place, so a model server never sees half a model.
"""
from tfx.components import Pusher
from tfx.dsl.components.base import executor_spec

from components.versioned_pusher import executor


class VersionedPusher(Pusher):
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
