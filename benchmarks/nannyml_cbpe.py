"""NannyML's CBPE on predictions adapt hands it: run by benchmarks/estimation.py with NannyML's own interpreter.

    <nannyml venv>/bin/python benchmarks/nannyml_cbpe.py INPUT.npz OUTPUT.json

NannyML needs pyarrow >= 13, which TFX 1.16's pins exclude, so it lives in a
virtual environment of its own and sees only arrays: the reference (the
model's holdout probabilities and labels) and each batch's probabilities. Each
batch is one chunk; the output is NannyML's estimated accuracy (and its
bounds) per batch. Imports nothing of adapt.
"""
import json
import sys

import numpy as np
import pandas as pd


def frame(probabilities: np.ndarray, labels=None) -> pd.DataFrame:
    columns = {f"p{k}": probabilities[:, k] for k in range(probabilities.shape[1])}
    data = pd.DataFrame({**columns, "y_pred": probabilities.argmax(axis=1)})
    if probabilities.shape[1] == 2:
        data = data.drop(columns=["p0"])
    if labels is not None:
        data["y_true"] = labels
    return data


def main(source: str, target: str) -> None:
    import nannyml
    arrays = np.load(source)
    reference = arrays["reference_probabilities"]
    classes = reference.shape[1]
    binary = classes == 2
    estimator = nannyml.CBPE(
        y_pred_proba="p1" if binary else {k: f"p{k}" for k in range(classes)}, y_pred="y_pred", y_true="y_true",
        problem_type="classification_binary" if binary else "classification_multiclass", metrics=["accuracy"],
        chunk_number=1)
    try:
        estimator.fit(frame(reference, arrays["reference_labels"]))
    except Exception as err:  # NannyML's own refusal is a result too (a class with one reference row, say)
        with open(target, "w") as handle:
            json.dump({"version": nannyml.__version__, "error": str(err).splitlines()[-1], "batches": []}, handle)
        return
    found = []
    for index in range(int(arrays["batches"])):
        result = estimator.estimate(frame(arrays[f"batch_{index}"])).filter(period="analysis").to_df()
        assert len(result) == 1, result
        found.append({"accuracy": float(result[("accuracy", "value")].iloc[0]),
                      "low": float(result[("accuracy", "lower_confidence_boundary")].iloc[0]),
                      "high": float(result[("accuracy", "upper_confidence_boundary")].iloc[0])})
    with open(target, "w") as handle:
        json.dump({"version": nannyml.__version__, "batches": found}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
