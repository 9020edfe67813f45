"""The small workspace the fault, disk-full and concurrency tests share: a model trained on the first of six
drifting batches, the other five waiting in incoming/ (batch-02 .. batch-06).

It is trained once per test process and copied for each module (`cp -a`, as a user moves a workspace; it follows
its move when opened, core/relocation.py): the three modules run in one process (conftest.py's
SHARED_FIXTURE_FILES), and each kills, fills or races its own copy.
"""
import json
import shutil

from core.workspace import Workspace
from tests.helpers import adapt_cli, folder_listing
from tests.streams import rotating_hyperplane_batches

# Quick training and a trigger that always fires, so every batch goes through span, training and push.
SMALL = {"training.eval_steps": 5, "training.window": 2, "validation.infra_requests": 5,
         "validation.min_accuracy": 0.5, "validation.max_accuracy_drop": 1.0, "validation.min_holdout_rows": 50,
         "performance.threshold": 0.99, "data.min_batch_instances": 50}


_trained = []   # the folder of this process's trained workspace, once made


def serving_workspace_with_waiting_batches(tmp_path_factory, name: str, root=None) -> Workspace:
    """A copy of the trained workspace in a new temporary folder, or in `root` (made here) when given."""
    if not _trained:
        _trained.append(_train(tmp_path_factory.mktemp("waiting-batches")))
    if root is None:
        root = tmp_path_factory.mktemp(name)
    else:
        root.mkdir(parents=True)
    for part in ("stream", "ws"):
        shutil.copytree(_trained[0] / part, root / part, symlinks=True)
    workspace = Workspace.open(str(root / "ws"))
    listings_file(workspace).write_text(json.dumps(batch_listings(workspace)))
    return workspace


def _train(root):
    stream = rotating_hyperplane_batches(root / "stream", batches=6, rows=200, degrees_per_batch=40)
    workdir = root / "ws"
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "churn", "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides(SMALL))
    assert json.loads(adapt_cli("train", "--workdir", workdir, "--json"))["pushed"]
    for folder in stream[1:]:
        (workspace.incoming / folder.name).mkdir(parents=True)
        (workspace.incoming / folder.name / "data.csv").write_bytes((folder / "data.csv").read_bytes())
    return root


def listings_file(workspace: Workspace):  # beside the workspace: nothing adapt reads
    return workspace.root.parent / "batch-listings.json"


def batch_listings(workspace: Workspace) -> dict:
    return {folder.name: {name: list(entry) for name, entry in folder_listing(folder).items()}
            for folder in sorted(workspace.incoming.iterdir()) if folder.is_dir()}


def assert_batch_folders_unchanged(workspace: Workspace) -> None:
    """Every batch folder holds exactly the files, sizes and bytes it held when the batches arrived."""
    assert batch_listings(workspace) == json.loads(listings_file(workspace).read_text())
