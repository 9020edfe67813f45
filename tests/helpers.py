"""Test helpers: tiny models in adapt's export format, and small taxi workspaces."""
import csv
import json
import os
from pathlib import Path
from typing import List, Optional, Sequence

TINY_FEATURES = {"trip_miles": "float", "payment_type": "string", "trip_start_hour": "int"}


def save_tiny_model(path: str, weight: float, spans: Sequence[int] = (1,), required: Sequence[str] = ("trip_miles",)
                    ) -> str:
    """A SavedModel with adapt's serving signature: P = sigmoid(weight * miles + [cash] - 0.5)."""
    import tensorflow as tf

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__()
            self.weight = tf.Variable(weight, dtype=tf.float32)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            parsed = tf.io.parse_example(examples, {
                "trip_miles": tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
                "payment_type": tf.io.FixedLenFeature([], tf.string, default_value=""),
                "trip_start_hour": tf.io.FixedLenFeature([], tf.int64, default_value=0)})
            cash = tf.cast(tf.equal(parsed["payment_type"], "Cash"), tf.float32)
            logit = self.weight * parsed["trip_miles"] + cash - 0.5
            return {"outputs": tf.expand_dims(tf.sigmoid(logit), -1)}

    module = Tiny()
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with open(os.path.join(path, "assets.extra", "adapt_model.json"), "w") as handle:
        json.dump({"label": "big_tipper", "raw_features": TINY_FEATURES, "spans": list(spans),
                   "required_features": list(required)}, handle)
    return path


def taxi_rows(quarter: str, limit: Optional[int] = None):
    """Header and rows of one real taxi quarter (labelled), optionally the first `limit` rows."""
    from models.taxi import dataset
    header, quarters = dataset.labeled_quarters()
    rows = quarters[quarter]
    return header, rows[:limit] if limit else rows


SMALL_CONFIG = """
model: {module: models.taxi, name: taxi}
training: {train_steps: 60, eval_steps: 5, window: 2}
validation: {infra_requests: 5, min_accuracy: 0.5}
"""


def make_workspace(root: Path, quarters):
    """A workspace (small training settings) whose spans are the first rows of real taxi quarters."""
    from core.data import spans
    from core.workspace import Workspace
    root.mkdir(parents=True, exist_ok=True)
    (root / "adapt.yaml").write_text(SMALL_CONFIG)
    workspace = Workspace.open(str(root))
    for quarter, rows in quarters:
        header, data = taxi_rows(quarter, rows)
        spans.write_span(workspace.data, header, data, test_fraction=0.25, source={"batch": quarter})
    return workspace


def folder_listing(folder: Path) -> dict:
    """{relative path: (size, sha256)} of every file under a folder, hidden ones included."""
    import hashlib
    root = Path(folder)
    return {str(path.relative_to(root)): (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
            for path in sorted(root.rglob("*")) if path.is_file()}


def write_csv(path: Path, header: Sequence[str], rows: List[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def artifact(kind, uri, **properties):
    """An output artifact of `kind` at `uri`, as a TFX launcher would hand it to an executor."""
    instance = kind()
    instance.uri = str(uri)
    for name, value in properties.items():
        setattr(instance, name, value)
    return instance


def example(**features):
    """A tf.train.Example from keyword values (str, float, int, or lists of one kind)."""
    import tensorflow as tf
    proto = tf.train.Example()
    for name, values in features.items():
        values = values if isinstance(values, list) else [values]
        slot = proto.features.feature[name]
        if isinstance(values[0], str):
            slot.bytes_list.value.extend(v.encode() for v in values)
        elif isinstance(values[0], float):
            slot.float_list.value.extend(values)
        else:
            slot.int64_list.value.extend(values)
    return proto


def write_tfrecord(path: Path, examples, gzipped: bool = False) -> Path:
    import tensorflow as tf
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path), "GZIP" if gzipped else "") as writer:
        for proto in examples:
            writer.write(proto.SerializeToString())
    return path


def rows_to_examples(header: Sequence[str], rows: List[Sequence[str]]):
    """CSV rows as tf.Examples, each column typed as TFDV would infer it from CSV; empty cells left out."""
    def kind(column):
        cells = [row[column] for row in rows if row[column] != ""]
        for parse in (int, float):
            try:
                [parse(cell) for cell in cells]
                return parse
            except ValueError:
                continue
        return str
    parsers = [kind(column) for column in range(len(header))]
    return [example(**{name: parse(cell) for name, parse, cell in zip(header, parsers, row) if cell != ""})
            for row in rows]


def adapt_cli(*args, timeout: int = 900) -> str:
    """Runs `adapt ARGS` as a user would; fails the test with its stderr unless it exits 0. Returns stdout."""
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"adapt {' '.join(map(str, args))} exited {result.returncode}: {result.stderr[-3000:]}"
    for noise in ("Traceback", "Exception ignored"):  # a command that succeeded shows the user no stack
        assert noise not in result.stderr, f"adapt {' '.join(map(str, args))} printed {noise}: {result.stderr[-3000:]}"
    return result.stdout


class Served:
    """`adapt serve` on a free port in a child process, for as long as the `with` block lasts."""

    def __init__(self, workdir: Path, model: str):
        self.workdir, self.model = workdir, model
        self.port = None
        self.process = None

    def __enter__(self) -> "Served":
        import socket
        import subprocess
        import sys
        import time
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--workdir", str(self.workdir),
                                         "--port", str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            assert self.process.poll() is None, self.process.stderr.read()[-2000:]
            try:
                self.get("/healthz")
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("adapt serve did not become healthy")

    def get(self, path: str):
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
            return json.loads(response.read())

    def predict(self, instances):
        import urllib.request
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/models/{self.model}:predict",
                                         data=json.dumps({"instances": instances}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["predictions"]

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
