"""`adapt demo`: the taxi story end to end on the embedded workspace."""
import sys

from models.taxi import dataset
from pipeline import registry
from pipeline.config import Config
from pipeline.workspace import Workspace


def run_demo(workspace: Workspace, config: Config, quarters=None) -> None:
    echo = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    echo(f"adapt demo in {workspace.root}")
    written = dataset.write_quarterly_batches(workspace.incoming, workspace.data,
                                              test_fraction=config.data.test_fraction)
    echo(f"1. data: {len(written)} new quarterly batch(es) in incoming/, span 1 = 2013-Q1")
    from components.common.spans import SpanWindow
    from pipeline.local_runner import run_training
    echo("2. training on span 1")
    outcome = run_training(workspace, config, SpanWindow(1, 1), trigger="demo", reason="initial model")
    echo(f"   {outcome.reason}; accuracy {outcome.candidate_metrics.get('accuracy')}")
    print(registry.format_table(registry.list_models(workspace, config)))
