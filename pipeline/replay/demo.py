"""`adapt demo`: a use case's history replayed through the system, batch by batch.

`--use-case taxi` (default): four years of Chicago taxi trips, sixteen
quarterly CSV batches, the taxi model package. `--use-case digits`: nine
batches of handwritten digit images drifting in rotation, blur, contrast,
inversion and noise, the image model package (models/images). Either is
`adapt data <use case>` (the batches in incoming/, the first one as span 1,
the model configured) followed by `adapt replay` over incoming/
(pipeline/replay/replay.py), with the reports named `demo-<policy>` (taxi) or
`demo-digits-<policy>`.
"""
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from core.config import Config
from core.errors import UsageError
from core.workspace import Workspace
from pipeline.local.beam import echo_stderr
from pipeline.replay.replay import replay


@dataclass(frozen=True)
class UseCase:
    name: str
    model: Dict[str, Any]                          # adapt.yaml overrides that configure its model
    first_batch: str                               # the batch that becomes span 1
    write_batches: Callable[[Any], Dict[str, int]]  # incoming/ -> {batch: instances written now}
    report_name: str


def _taxi_batches(incoming) -> Dict[str, int]:
    from models.taxi import dataset
    return dataset.write_quarterly_batches(incoming)


def _digits_batches(incoming) -> Dict[str, int]:
    from models.images import digits
    return digits.write_batches(incoming)


USE_CASES = {
    "taxi": UseCase("taxi", {"model.module": "models.taxi", "model.name": "taxi"}, "2013-Q1", _taxi_batches,
                    "demo"),
    "digits": UseCase("digits", {"model.module": "models.images", "model.name": "digits", "model.label": "label",
                                 "model.classes": [str(digit) for digit in range(10)], "model.kind": "nn"},
                      "digits-01", _digits_batches, "demo-digits"),
}


def write_use_case_data(workspace: Workspace, config: Config, use_case: str = "taxi"
                        ) -> Tuple[Config, Dict[str, int]]:
    """The use case's batches in incoming/ and, in a workspace without spans, its model and first batch as span 1.

    Returns the configuration with the use case's model, and the instances of each batch written now.
    """
    from core.data import spans
    from core.data.batch import Batch
    from pipeline.local.init import check_first_batch, first_span

    case = USE_CASES[use_case]
    if any(getattr(config.model, key.split(".", 1)[1]) != value for key, value in case.model.items()):
        if spans.list_spans(workspace.data):
            raise UsageError(f"{workspace.root} already holds spans of model {config.model.module} "
                             f"({config.model.name}); the {case.name} data needs its own workspace (--workdir)")
        workspace.write_config(workspace.load_config().with_overrides(case.model))
        config = config.with_overrides(case.model)
    written = case.write_batches(workspace.incoming)
    if not spans.list_spans(workspace.data):
        folder = str(workspace.incoming / case.first_batch)
        first = workspace.batch(folder, label=workspace.model_package(config).label, labels_file=config.data.labels_file)
        check_first_batch(first, folder)
        first_span(workspace, first, config.data.test_fraction, reason="initial training data")
    return config, written


def run_demo(workspace: Workspace, config: Config, quarters: Optional[int] = None, use_case: str = "taxi",
             echo: Callable[[str], None] = echo_stderr, labels_after: int = 0) -> List[Dict]:
    config, _ = write_use_case_data(workspace, config, use_case)
    return replay(workspace, config, workspace.incoming, limit=quarters, report_name=USE_CASES[use_case].report_name,
                  echo=echo, labels_after=labels_after)
