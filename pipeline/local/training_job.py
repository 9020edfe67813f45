"""The training child process of the local launcher: `python -m pipeline.local.training_job`.

Reads a JSON request on stdin (workdir, spans, trigger, reason, overrides),
runs the training pipeline (pipeline/local/training.py) and writes the outcome
as one JSON line on stdout, `{"ok": false, "error": ...}` for a failure the
user can act on. Its progress lines go to stderr as they happen.
"""
import json
import sys

from core.environment import quiet_console


def main() -> int:
    quiet_console()  # before TensorFlow and TFX are imported
    from core.errors import AdaptError
    from pipeline.local.training import run_training_request

    request = json.loads(sys.stdin.read())
    try:
        outcome = run_training_request(request)
    except AdaptError as err:
        print(json.dumps({"ok": False, "error": str(err)}))
        return 1
    except Exception as err:  # the parent reports this line; the traceback stays in this process's stderr
        import traceback
        traceback.print_exc()
        print(json.dumps({"ok": False, "error": f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300]}"
                          if str(err).strip() else type(err).__name__}))
        return 1
    print(json.dumps({"ok": True, **outcome.to_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
