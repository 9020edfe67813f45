"""When a small input is read in this process instead of by a Beam pipeline.

A Beam pipeline costs seconds to build and run whatever the data's size, and a
replay's span or batch is a few thousand rows. StatisticsGen and ExampleGen
(components/small_data_*) and DriftDetector's statistics take their in-memory
path when the data is small and Beam would run here anyway (the direct
runner); with any other runner they keep Beam's, which scales. BatchPredictionGen
streams a batch of any size through its process when Beam would run in that one
process anyway (`single_process`).
"""
from typing import Sequence

IN_MEMORY_BYTES = 16 * 1024 * 1024  # of a batch's or a split's files (about 150,000 rows of 20 columns)
_DIRECT_RUNNERS = ("", "direct", "directrunner")


def runner_of(beam_args: Sequence[str]) -> str:
    """The runner Beam arguments name, lower-case ('' when none: the direct runner)."""
    runner = ""
    for at, arg in enumerate(beam_args):
        if arg.startswith("--runner="):
            runner = arg.split("=", 1)[1]
        elif arg == "--runner" and at + 1 < len(beam_args):
            runner = beam_args[at + 1]
    return runner.lower()


def _option(beam_args: Sequence[str], name: str, default: str) -> str:
    value = default
    for at, arg in enumerate(beam_args):
        if arg.startswith(f"--{name}="):
            value = arg.split("=", 1)[1]
        elif arg == f"--{name}" and at + 1 < len(beam_args):
            value = beam_args[at + 1]
    return value


def single_process(beam_args: Sequence[str]) -> bool:
    """Whether Beam would run in this one process: the direct runner, in memory, one worker. A step that streams
    its input through the process then holds no more than Beam would here, without Beam's cost per element."""
    return (runner_of(beam_args) in _DIRECT_RUNNERS
            and _option(beam_args, "direct_running_mode", "in_memory") == "in_memory"
            and _option(beam_args, "direct_num_workers", "1") == "1")


def in_memory(beam_args: Sequence[str], sizes: Sequence[int]) -> bool:
    """Whether files of these sizes are read in this process instead of by a Beam pipeline: they are small and
    Beam would run here anyway (the direct runner)."""
    return runner_of(beam_args) in _DIRECT_RUNNERS and sum(sizes) <= IN_MEMORY_BYTES
