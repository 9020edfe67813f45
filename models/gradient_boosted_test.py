import numpy as np
import tensorflow as tf

from models import gradient_boosted


def _rows(count, seed):
    """One informative feature and one noise feature; labels are the informative one's sign, 30 % flipped."""
    rng = np.random.default_rng(seed)
    signal, noise = rng.normal(size=count).astype(np.float32), rng.normal(size=count).astype(np.float32)
    labels = ((signal > 0) ^ (rng.random(count) < 0.3)).astype(np.int64)
    return {"signal": signal, "noise": noise}, labels


def test_every_training_row_is_answered_by_a_forest_that_did_not_see_it():
    features, labels = _rows(400, seed=0)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(64)
    build = lambda: gradient_boosted.build([], classes=2, seed=1)  # noqa: E731
    outputs, answered = gradient_boosted.out_of_fold_outputs(build, dataset, folds=4, seed=0)
    assert outputs.shape == (400, 1) and np.array_equal(answered, labels)

    model = build()
    model.fit(dataset, verbose=0)
    in_sample = np.asarray(model.predict(features, verbose=0)).reshape(-1)
    accuracy = lambda p: float(((p > 0.5) == labels).mean())  # noqa: E731
    # 30 % of the labels are noise: a forest answering rows it was grown on fits part of that noise, one
    # answering rows it never saw cannot, and lands near the 70 % the labels allow.
    assert 0.6 <= accuracy(outputs.reshape(-1)) <= 0.8
    assert accuracy(in_sample) > accuracy(outputs.reshape(-1)) + 0.05


def test_too_few_rows_to_fold_give_no_answers():
    features, labels = _rows(40, seed=0)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(64)
    assert gradient_boosted.out_of_fold_outputs(lambda: gradient_boosted.build([], 2), dataset) is None
