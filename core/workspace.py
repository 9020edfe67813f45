"""The embedded default workspace: one folder holding everything a local run needs.

    <workdir>/
      adapt.yaml            configuration (written with commented defaults on first use)
      incoming/<batch>/     batches waiting (adapt never writes into a batch folder, wherever it is)
      batches/<batch>-<key>/  what this workspace did with each batch: its state and claim
      data/span-N/{train,test}/
      schema/v<N>/schema.pbtxt  the data contract's versions: v1 inferred from the first span and curated,
                            later ones written by `adapt schema accept` (with CHANGE.json: who, why, what)
      schema/CURRENT        the number of the version later spans are validated against
      pipelines/<name>/     TFX pipeline roots
      metadata.sqlite       ML Metadata store
      serving/<model>/<v>/  pushed SavedModels (TF Serving layout)
      reports/              markdown / JSON / PNG reports and run logs
      replays/<name>/<batch>/  copies of replayed batches whose labels come later (`adapt replay --labels-after`)

The folder is chosen by --workdir, else $ADAPT_WORKDIR, else ./adapt-workspace.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core import relocation
from core.config import Config
from core.contract import ModelPackage, load_model_package
from core.data.batch import Batch, BatchRecords
from core.errors import NoWorkspaceError, UsageError

DEFAULT_WORKDIR = "adapt-workspace"
SCHEMA_POINTER = "CURRENT"
SCHEMA_CHANGE_FILE = "CHANGE.json"
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
        if workspace.config_path.is_file():  # moved or copied here: its recorded paths follow (core/relocation.py)
            relocation.follow_move(workspace.root, lambda: bool(workspace.load_config().metadata.mysql_host))
        if create:
            workspace.ensure()
        return workspace

    @classmethod
    def existing(cls, workdir: Optional[str] = None) -> "Workspace":
        """The workspace at `workdir`, which must be one already; creates nothing. Every command but those that
        make a workspace (init, data, demo, restore) opens it so."""
        workspace = cls.open(workdir, create=False)
        if not workspace.exists:
            raise NoWorkspaceError(f"no workspace at {workspace.root} (run `adapt init --data PATH --label COLUMN`, "
                                   f"or `adapt demo`)")
        return workspace

    @property
    def exists(self) -> bool:
        """adapt.yaml marks a workspace: every command that makes one writes it (Workspace.ensure, adapt init)."""
        return self.config_path.is_file()

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
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def schema_version(self) -> int:
        """The current version of the data contract (1 before and right after the first is kept)."""
        pointer = self.schema_dir / SCHEMA_POINTER
        if pointer.is_file():
            return int(pointer.read_text().strip())
        kept = [int(path.parent.name[1:]) for path in self.schema_dir.glob("v*/schema.pbtxt")
                if path.parent.name[1:].isdigit()]
        return max(kept, default=1)

    def schema_version_file(self, version: int) -> Path:
        """Version `version` of the contract; a workspace made before versions keeps v1 as schema/schema.pbtxt."""
        legacy = self.schema_dir / "schema.pbtxt"
        if version == 1 and legacy.is_file() and not (self.schema_dir / "v1" / "schema.pbtxt").is_file():
            return legacy
        return self.schema_dir / f"v{version}" / "schema.pbtxt"

    @property
    def schema_file(self) -> Path:
        """The current version's file: the one every later span is validated against."""
        return self.schema_version_file(self.schema_version)

    def schema_change(self, version: int) -> dict:
        """What made `version` of the contract (its CHANGE.json: who, why, the batch, the changes); {} for
        version 1 and for versions written by hand."""
        path = self.schema_version_file(version).parent / SCHEMA_CHANGE_FILE
        return json.loads(path.read_text()) if path.is_file() else {}

    def schema_changes_between(self, low: int, high: int) -> list:
        """Every change accepted after version `low` up to version `high`, each with its version and reason."""
        return [{**change, "version": version, "reason": self.schema_change(version).get("reason", "")}
                for version in range(low + 1, high + 1)
                for change in self.schema_change(version).get("changes", [])]

    def point_schema_at(self, version: int) -> None:
        """Makes `version` (already written) the current contract."""
        temporary = self.schema_dir / f".{SCHEMA_POINTER}.tmp"
        temporary.write_text(f"{version}\n")
        temporary.replace(self.schema_dir / SCHEMA_POINTER)

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
        if relocation.recorded_root(self.root) is None:
            relocation.record_root(self.root)

    def load_config(self) -> Config:
        return Config.load(self.config_path)

    def write_config(self, config: Config, notes=None) -> None:
        """Rewrites adapt.yaml with `config` (every key, documented), atomically."""
        temporary = self.config_path.with_name(f".{self.config_path.name}.tmp")
        temporary.write_text(config.to_yaml(notes))
        temporary.replace(self.config_path)

    def set_model_feature(self, name: str, role: str, note: str) -> None:
        """Sets one line of `model.features` in adapt.yaml in place (a new column's role), keeping every other
        line and comment as the user left them; a file not in the written layout is rewritten whole."""
        entry = f"    {json.dumps(name)}: {json.dumps(role)}  # {note}"
        lines = self.config_path.read_text().splitlines()
        block = next((i for i, line in enumerate(lines) if line.rstrip() == "  features:"), None)
        if block is None:
            config = self.load_config()
            self.write_config(config.with_overrides({"model.features": {**config.model.features, name: role}}),
                              notes={f"model.features.{name}": note})
            return
        end = block + 1
        while end < len(lines) and lines[end].startswith("    "):
            end += 1
        keyed = [i for i in range(block + 1, end) if lines[i].lstrip().startswith(json.dumps(name) + ":")]
        if keyed:
            lines[keyed[0]] = entry
        else:
            lines.insert(end, entry)
        temporary = self.config_path.with_name(f".{self.config_path.name}.tmp")
        temporary.write_text("\n".join(lines) + "\n")
        temporary.replace(self.config_path)

    def model_package(self, config: Config) -> ModelPackage:
        """The model package adapt.yaml names, with its settings (core/contract.py)."""
        return load_model_package(config.model, config.drift.exclude, config.validation.open_domain_features,
                                  base_dir=self.root)
