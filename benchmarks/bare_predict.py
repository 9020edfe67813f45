"""The yardstick of benchmarks/batch_prediction.py: a bare batched SavedModel call over a CSV file.

    python -m benchmarks.bare_predict MODEL_DIR CSV_FILE

Reads the CSV, builds a tf.Example per row (the model info's feature types),
loads the SavedModel and calls `serving_default` on 1000 examples at a time.
No Beam, no TFX: what a hand-written script would do.
"""
import csv
import sys

from core import contract
from core.data.examples import csv_row_to_instance, instance_to_example

BATCH = 1000


def main(model_dir: str, csv_path: str) -> int:
    import tensorflow as tf
    info = contract.read_model_info(model_dir)
    contract.load_custom_ops(info)
    serve = tf.saved_model.load(model_dir).signatures[contract.SIGNATURE_NAME]
    types, label = info["raw_features"], info["label"]
    predicted = 0

    def flush(examples):
        serve(**{contract.SIGNATURE_INPUT: tf.constant(examples)})
        return len(examples)

    with open(csv_path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        pending = []
        for row in reader:
            instance = {k: v for k, v in csv_row_to_instance(header, row, types).items() if k != label}
            pending.append(instance_to_example(instance, types).SerializeToString())
            if len(pending) == BATCH:
                predicted += flush(pending)
                pending = []
        if pending:
            predicted += flush(pending)
    print(f"predicted {predicted} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
