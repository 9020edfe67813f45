"""Benchmarks with side-by-side ratios; run each as `python -m benchmarks.<name>` from the repository root."""
import sys
import time
from typing import Optional, Sequence


def command_line(module: str, argv: Optional[Sequence[str]]) -> str:
    """'Command: `python -m benchmarks.X ARGS` (date, 2-core machine)': the line a results file starts with."""
    command = " ".join(argv if argv is not None else sys.argv[1:])
    return (f"Command: `python -m benchmarks.{module}{' ' + command if command else ''}` "
            f"({time.strftime('%Y-%m-%d')}, 2-core machine)")
