"""How much a model relies on each raw feature: the weights that decide which drift matters.

Two sources, both recorded once at training (FeatureImportance, MLMD):

- gradient-boosted trees report their own: TF-DF's SUM_SCORE, the loss
  reduction of all splits on a feature (models/gradient_boosted.py writes it
  into the model info file); the image model states its own (its pixel
  statistics describe its one input);
- any other model (networks, a user's package) gets permutation importance on
  the holdout, computed here through the serving signature on raw tf.Examples:
  each feature's values shuffled across the examples, the accuracy lost is its
  importance. Whatever the package does inside, what is measured is what serves.

Importances are shares: non-negative, summing to 1 over the model's features.
"""
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np

Predict = Callable[[List[bytes]], np.ndarray]   # serialized tf.Examples -> [N, 1] or [N, classes]


def shares(raw: Mapping[str, float]) -> Dict[str, float]:
    """Non-negative weights scaled to sum to 1 ({} when none is positive)."""
    positive = {name: max(float(value), 0.0) for name, value in raw.items()}
    total = sum(positive.values())
    return {name: round(value / total, 6) for name, value in sorted(positive.items())} if total > 0 else {}


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(-1) > 0.5).astype(int)
    return outputs.argmax(axis=1)


def label_indices(examples: Sequence, label: str, classes: Sequence[str]) -> np.ndarray:
    """Each example's class index (-1 when its label is missing or not a class)."""
    from core.data.examples import feature_values
    index = {str(c): i for i, c in enumerate(classes)}
    found = []
    for example in examples:
        values = feature_values(example, label)
        value = values[0] if values else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        found.append(index.get(str(value), -1) if value is not None else -1)
    return np.array(found)


def label_values(examples: Sequence, label: str) -> np.ndarray:
    """Each example's regression label (NaN when it has none)."""
    from core.data.examples import feature_values
    found = []
    for example in examples:
        values = feature_values(example, label)
        found.append(float(values[0]) if values and not isinstance(values[0], (bytes, str)) else float("nan"))
    return np.array(found, dtype=float)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes, at: int):
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def _length_delimited(data: bytes, at: int, field: int):
    """(bytes of the length-delimited `field` starting at `at`, where the next field starts)."""
    tag, at = _read_varint(data, at)
    if tag != (field << 3) | 2:
        raise ValueError(f"not a serialized tf.Example: wire tag {tag} where field {field} was expected")
    length, at = _read_varint(data, at)
    return data[at:at + length], at + length


def feature_entries(serialized: bytes) -> Dict[str, bytes]:
    """{feature name: its serialized map entry} of a serialized tf.Example (Example.features is field 1,
    Features.feature a map, each entry field 1 of Features: key field 1, value field 2)."""
    found: Dict[str, bytes] = {}
    at = 0
    while at < len(serialized):
        features, at = _length_delimited(serialized, at, 1)
        inner = 0
        while inner < len(features):
            start = inner
            entry, inner = _length_delimited(features, inner, 1)
            key, _ = _length_delimited(entry, 0, 1)
            found[key.decode("utf-8")] = features[start:inner]
    return found


def map_entry(name: str, feature: bytes) -> bytes:
    """The serialized Features map entry of `name` holding the serialized tf.train.Feature `feature`."""
    key = name.encode("utf-8")
    entry = b"\x0a" + _varint(len(key)) + key + b"\x12" + _varint(len(feature)) + feature
    return b"\x0a" + _varint(len(entry)) + entry


def example_bytes(entries: bytes) -> bytes:
    """A serialized tf.Example whose Features are the concatenated serialized map `entries`."""
    return b"\x0a" + _varint(len(entries)) + entries


def permutation_importance(examples: Sequence, predict: Predict, label: str, classes: Sequence[str],
                           features: Sequence[str], repeats: int = 3, seed: int = 0) -> Dict[str, object]:
    """{importances (shares), accuracy, rows, losses (mean accuracy lost per feature)} on labeled `examples`;
    with no `classes` (a regression model) what a shuffle costs is MAE, and `mae` replaces `accuracy`."""
    if classes:
        truth = label_indices(examples, label, classes)
        labeled = truth >= 0
        metric = "accuracy"

        def score(outputs: np.ndarray) -> float:
            return float(np.mean(predicted_classes(outputs) == truth))
    else:
        truth = label_values(examples, label)
        labeled = np.isfinite(truth)
        metric = "mae"

        def score(outputs: np.ndarray) -> float:  # higher is better, as accuracy
            return -float(np.mean(np.abs(np.asarray(outputs, dtype=float).reshape(-1) - truth)))
    kept = [example for example, keep in zip(examples, labeled) if keep]
    truth = truth[labeled]
    if not kept:
        raise ValueError(f"no holdout example carries a label among {list(classes)}" if classes
                         else f"no holdout example carries a value of {label!r}")
    base = [example.SerializeToString() for example in kept]
    baseline = score(predict(base))
    entries = [feature_entries(serialized) for serialized in base]
    rng = np.random.default_rng(seed)
    losses = {}
    for name in features:
        # a shuffled example is the row's other entries with another row's entry of `name` (an empty Feature
        # where that row has none), assembled from the serialized entries: copying 2,000 protos per shuffle
        # cost seconds a training
        others = [b"".join(entry for key, entry in row.items() if key != name) for row in entries]
        column = [row.get(name) or map_entry(name, b"") for row in entries]
        lost = []
        for _ in range(repeats):
            order = rng.permutation(len(kept))
            lost.append(baseline - score(predict([example_bytes(others[i] + column[j]) for i, j in enumerate(order)])))
        losses[name] = round(float(np.mean(lost)), 6)
    return {"importances": shares(losses), metric: round(abs(baseline), 6), "rows": len(kept), "losses": losses}


def from_model_info(info: Mapping[str, object]) -> Optional[Dict[str, float]]:
    """The importances a model recorded itself (trees, images), as shares; None when it recorded none."""
    recorded = info.get("importances")
    return shares(recorded) if isinstance(recorded, Mapping) and recorded else None
