"""`adapt demo`: four years of Chicago taxi trips replayed through the system, quarter by quarter.

It is `adapt data taxi` (sixteen quarterly batches in incoming/, 2013-Q1 as
span 1, the taxi model package configured) followed by `adapt replay` over
incoming/ (pipeline/replay/replay.py), with the reports named `demo-<policy>`.
"""
from typing import Callable, Dict, List, Optional, Tuple

from core.config import Config
from core.errors import UsageError
from core.workspace import Workspace
from pipeline.local.beam import echo_stderr
from pipeline.replay.replay import replay

TAXI_MODEL = {"model.module": "models.taxi", "model.name": "taxi"}
FIRST_QUARTER = "2013-Q1"


def write_taxi_data(workspace: Workspace, config: Config) -> Tuple[Config, Dict[str, int]]:
    """The taxi batches in incoming/ and, in a workspace without spans, the taxi model and 2013-Q1 as span 1.

    Returns the configuration with the taxi model, and the rows of each quarter written now.
    """
    from core.data import spans
    from core.data.batches import Batch
    from models.taxi import dataset
    from pipeline.local.init import first_span, read_first_batch

    if config.model.module != TAXI_MODEL["model.module"]:
        if spans.list_spans(workspace.data):
            raise UsageError(f"{workspace.root} already holds spans of model {config.model.module}; the taxi data "
                             f"needs its own workspace (--workdir)")
        workspace.write_config(workspace.load_config().with_overrides(TAXI_MODEL))
        config = config.with_overrides(TAXI_MODEL)
    written = dataset.write_quarterly_batches(workspace.incoming)
    if not spans.list_spans(workspace.data):
        folder = str(workspace.incoming / FIRST_QUARTER)
        first = Batch(folder, label=workspace.model_package(config).label)
        header, rows = read_first_batch(first, folder)
        first_span(workspace, first, header, rows, config.data.test_fraction, reason="initial training data")
    return config, written


def run_demo(workspace: Workspace, config: Config, quarters: Optional[int] = None,
             echo: Callable[[str], None] = echo_stderr) -> List[Dict]:
    config, _ = write_taxi_data(workspace, config)
    return replay(workspace, config, workspace.incoming, limit=quarters, report_name="demo", echo=echo)
