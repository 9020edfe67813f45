"""The training child process of the local launcher: `python -m pipeline.local.training_job`.

It reads JSON requests (workdir, spans, trigger, reason, overrides), one per
line on stdin, runs the training pipeline for each (pipeline/local/training.py)
and answers each with one line on stdout: REPLY_MARK, then the outcome as JSON,
`{"ok": false, "error": ...}` for a failure the user can act on. Its progress
lines go to stderr as they happen. It exits when stdin closes, after the run
in progress: a parent that dies leaves no run half done.

One process serves many runs (a replay's, a watcher's): TensorFlow, TFX and
Beam are imported once, and TensorFlow's traced functions (autograph's
conversions of TF-DF's training step, Transform's and the export's) are
converted once; the second run in a process trains 3-7 times faster than the
first (benchmarks/results/loop_speed.md).
"""
import gc
import json
import os
import sys

from core.environment import quiet_console

REPLY_MARK = "adapt-training-reply "


def answer(request: dict) -> dict:
    from core.errors import AdaptError, unexpected_line
    from pipeline.local.training import run_training_request
    try:
        return {"ok": True, **run_training_request(request).to_dict()}
    except AdaptError as err:
        return {"ok": False, "error": str(err)}
    except Exception as err:  # the parent reports this line; the traceback stays in this process's stderr
        import traceback
        traceback.print_exc()
        return {"ok": False, "error": unexpected_line(err)}


def main() -> int:
    quiet_console()  # before TensorFlow and TFX are imported
    import pipeline.local.training  # noqa: F401  the imports every run needs, paid once, before the first request
    from pipeline.local import beam
    beam.collect_after_runs = False
    for line in sys.stdin:
        if line.strip():
            reply = {**answer(json.loads(line)), "process": os.getpid()}
            print(REPLY_MARK + json.dumps(reply), flush=True)
            gc.collect()  # the run's models and graphs, freed while the parent works
    return 0


if __name__ == "__main__":
    sys.exit(main())
