"""The embedded default workspace: one folder holding everything a local run needs.

    <workdir>/
      adapt.yaml            configuration (written with commented defaults on first use)
      incoming/<batch>/     batches waiting (adapt never writes into a batch folder, wherever it is)
      batches/<batch>-<key>/  what this workspace did with each batch: its state and claim
      data/span-N/{train,test}/
      schema/schema.pbtxt   the reviewed schema kept with the first blessed model
      pipelines/<name>/     TFX pipeline roots
      metadata.sqlite       ML Metadata store
      serving/<model>/<v>/  pushed SavedModels (TF Serving layout)
      reports/              markdown / JSON / PNG reports and run logs
      replays/<name>/<batch>/  copies of replayed batches whose labels come later (`adapt replay --labels-after`)

The folder is chosen by --workdir, else $ADAPT_WORKDIR, else ./adapt-workspace.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core.config import Config
from core.contract import ModelPackage, load_model_package
from core.data.batches import Batch, BatchRecords
from core.errors import UsageError

DEFAULT_WORKDIR = "adapt-workspace"
WORKDIR_ENV = "ADAPT_WORKDIR"


def resolve_workdir(flag: Optional[str] = None) -> Path:
    chosen = flag or os.environ.get(WORKDIR_ENV) or DEFAULT_WORKDIR
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def open(cls, workdir: Optional[str] = None, create: bool = True) -> "Workspace":
        workspace = cls(resolve_workdir(workdir))
        if workspace.root.exists() and not workspace.root.is_dir():
            raise UsageError(f"--workdir {workspace.root} is a file; the workspace is a folder")
        if create:
            workspace.ensure()
        return workspace

    # -- layout -------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "adapt.yaml"

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def batch_records(self) -> BatchRecords:
        """Where this workspace keeps its state of every batch it evaluates (beside data/)."""
        return BatchRecords.beside(str(self.data))

    def batch(self, path: str, label: str = "", labels_file: str = "labels.csv", only: str = "") -> Batch:
        """A batch folder as this workspace sees it: its state and claim in this workspace's records."""
        return Batch(str(path), label=label, labels_file=labels_file, only=only, records=self.batch_records)

    @property
    def schema_file(self) -> Path:
        return self.root / "schema" / "schema.pbtxt"

    @property
    def pipelines(self) -> Path:
        return self.root / "pipelines"

    @property
    def metadata_path(self) -> Path:
        return self.root / "metadata.sqlite"

    @property
    def serving(self) -> Path:
        return self.root / "serving"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def replays(self) -> Path:
        return self.root / "replays"

    def prediction_log(self, config: Config) -> Path:
        """Where `adapt serve` logs what it answered (serving.log_predictions)."""
        return self.root / "predictions" / config.model.name

    def pipeline_root(self, pipeline_name: str) -> Path:
        return self.pipelines / pipeline_name

    def serving_model_dir(self, config: Config) -> str:
        """Where Pusher pushes and the server looks: push.destination or serving/<model>."""
        if config.push.destination:
            return config.push.destination
        return str(self.serving / config.model.name)

    # -- life cycle -----------------------------------------------------------
    def ensure(self) -> None:
        for folder in (self.incoming, self.data, self.pipelines, self.serving, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        if not self.config_path.exists():
            self.config_path.write_text(Config().to_yaml())

    def load_config(self) -> Config:
        return Config.load(self.config_path)

    def write_config(self, config: Config, notes=None) -> None:
        """Rewrites adapt.yaml with `config` (every key, documented), atomically."""
        temporary = self.config_path.with_name(f".{self.config_path.name}.tmp")
        temporary.write_text(config.to_yaml(notes))
        temporary.replace(self.config_path)

    def model_package(self, config: Config) -> ModelPackage:
        """The model package adapt.yaml names, with its settings (core/contract.py)."""
        return load_model_package(config.model, config.drift.exclude, config.validation.open_domain_features,
                                  base_dir=self.root)
