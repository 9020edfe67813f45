"""How PipelineTrigger starts training: the launcher interface, and loading a launcher by its class path.

The component knows nothing of where training runs. Its `launcher` parameter
names a `TrainingLauncher` subclass by dotted path (as TFX names a run_fn),
and `launcher_options` holds that class's keyword arguments as JSON. adapt's
runners supply one: pipeline/local/launcher.py trains on this machine,
pipeline/kubeflow/launcher.py submits the compiled training pipeline to
Kubeflow Pipelines or Vertex AI.
"""
import abc
import importlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional

from core.data.spans import SpanWindow
from core.errors import AdaptError


@dataclass
class LaunchResult:
    """How a training launch ended (local runs) or where it went (remote runs)."""

    outcome: str                           # one line: "pushed as version 3", "submitted to vertex: run ..."
    exit_code: Optional[int] = None        # local runs: 0 when the run completed, whatever it decided
    seconds: Optional[float] = None
    pushed_version: Optional[int] = None
    run_id: Optional[str] = None           # remote runs
    details: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class TrainingLauncher(abc.ABC):
    """Starts the training pipeline on a window of spans."""

    @abc.abstractmethod
    def launch(self, window: SpanWindow, reason: str, evidence: Optional[Dict[str, Any]] = None) -> LaunchResult:
        """Starts (and, for local runs, waits for) training on `window`.

        `reason` and `evidence` (the relative drop and drifted features the
        decision rested on) are recorded with the run.
        """


def class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def load_launcher(path: str, options_json: str = "{}") -> TrainingLauncher:
    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as err:
        raise AdaptError(f"PipelineTrigger: no launcher {path!r} ({err})") from None
    if not (isinstance(cls, type) and issubclass(cls, TrainingLauncher)):
        raise AdaptError(f"PipelineTrigger: {path} is not a TrainingLauncher")
    return cls(**json.loads(options_json or "{}"))
