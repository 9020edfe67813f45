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
    outputs, answered = gradient_boosted.out_of_fold_outputs([], 2, dataset, folds=4, seed=1)
    # the rows come back in one order whatever order they were read in: sorted by a hash of their values
    shuffled = np.random.default_rng(5).permutation(400)
    again = tf.data.Dataset.from_tensor_slices(({n: v[shuffled] for n, v in features.items()}, labels[shuffled]))
    assert np.array_equal(gradient_boosted.out_of_fold_outputs([], 2, again.batch(64), folds=4, seed=1)[0], outputs)
    # and in the same order when every number moved by a monotone rescaling, as Transform's scaling moves them in
    # their last bits from one run to the next
    rescaled, _ = gradient_boosted._in_one_order({n: (v - np.float32(0.0123)) / np.float32(1.0000003)
                                                  for n, v in features.items()}, labels)
    features, labels = gradient_boosted._in_one_order(features, labels)
    assert all(np.allclose(rescaled[n] * np.float32(1.0000003) + np.float32(0.0123), features[n], atol=1e-5)
               for n in features)
    assert outputs.shape == (400, 1) and np.array_equal(answered, labels)

    # The forests YDF grows are the forests TF-DF grows: the first fold's, by a TF-DF model, answer the same.
    fold = np.random.default_rng(1).permutation(400) % 4
    by_tfdf = build()
    by_tfdf.fit(tf.data.Dataset.from_tensor_slices(({n: v[fold != 0] for n, v in features.items()},
                                                    labels[fold != 0])).batch(64), verbose=0)
    held = {n: v[fold == 0] for n, v in features.items()}
    np.testing.assert_allclose(np.asarray(by_tfdf.predict(held, verbose=0)).reshape(-1, 1), outputs[fold == 0],
                               atol=1e-6)

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
    assert gradient_boosted.out_of_fold_outputs([], 2, dataset) is None


def test_three_classes_and_categories_are_answered_in_the_models_layout():
    rng = np.random.default_rng(2)
    colour = rng.integers(-1, 4, size=300)  # vocabulary ids, -1 missing
    amount = rng.normal(size=300).astype(np.float32)
    labels = np.where(colour == 2, 2, (amount > 0).astype(np.int64))
    dataset = tf.data.Dataset.from_tensor_slices(({"colour": colour, "amount": amount}, labels)).batch(64)
    outputs, labels = gradient_boosted.out_of_fold_outputs(["colour"], 3, dataset, seed=0)
    assert outputs.shape == (300, 3) and np.allclose(outputs.sum(axis=1), 1.0)
    assert float((outputs.argmax(axis=1) == labels).mean()) > 0.9  # the category decides class 2


def test_the_locked_tensorflow_is_the_one_the_decision_forests_custom_ops_were_built_for():
    """TF-DF's C++ ops are built against one TensorFlow release; requirements.in locks that one (it warned at every
    import, and risked the ops' ABI, when the lock had 2.16.2)."""
    import tensorflow_decision_forests as tfdf
    assert tf.__version__ in tfdf.compatible_tf_versions, (tf.__version__, tfdf.compatible_tf_versions)


def test_ydf_reads_the_columns_in_one_order_whatever_order_transform_hands_them_over_in():
    # YDF breaks ties between equally good splits by a column's position; Transform's order changes between processes
    features, _ = _rows(50, seed=3)
    colour = np.arange(50) % 3
    one = gradient_boosted.ydf_columns({"signal": features["signal"], "colour": colour, "noise": features["noise"]},
                                       ["colour"])
    other = gradient_boosted.ydf_columns({"noise": features["noise"], "signal": features["signal"], "colour": colour},
                                         ["colour"])
    assert list(one) == list(other) == ["colour", "noise", "signal"]
    assert one["colour"][:3].tolist() == ["0", "1", "2"]
