"""The remote training launcher: PipelineTrigger submits the compiled training pipeline to Kubeflow or Vertex AI.

The window reaches the run as its `input_config` runtime parameter
(pipeline/kubeflow/submit.py, the same code `adapt submit` uses); the launch
returns as soon as the run is submitted.
"""
from typing import Any, Dict, Optional

from components.pipeline_trigger.launcher import LaunchResult, TrainingLauncher
from core.data.spans import SpanWindow


class RemoteTrainingLauncher(TrainingLauncher):

    def __init__(self, mode: str, target: Dict[str, Any]):
        self.mode = mode          # kubeflow | vertex
        self.target = target      # compiled spec, host / project, region, pipeline root, window size

    def launch(self, window: SpanWindow, reason: str, evidence: Optional[Dict[str, Any]] = None) -> LaunchResult:
        from pipeline.kubeflow import submit  # kfp and aiplatform only where they are used
        run_id = submit.start_training_run(self.mode, self.target, window)
        return LaunchResult(outcome=f"submitted to {self.mode}: run {run_id}", run_id=run_id)
