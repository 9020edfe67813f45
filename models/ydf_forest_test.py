"""The Trainer's forest grown by YDF answers in the SavedModel as YDF answers, in the TF-DF model's layout (~10 s)."""
import numpy as np
import tensorflow as tf

from models import gradient_boosted, learning_curve, ydf_forest


def _rows(count, seed, classes):
    rng = np.random.default_rng(seed)
    colour = rng.integers(-1, 12, size=count)            # vocabulary ids, -1 missing
    signal = rng.normal(size=count).astype(np.float32)
    signal[:20] = np.nan                                  # a missing number
    labels = ((signal > 0).astype(int) + (colour % 3 == 0) + (rng.random(count) < 0.2)) % classes
    return {"colour_xf": colour, "signal_xf": signal}, labels.astype(np.int64)


def test_the_forest_answers_as_ydf_grows_it_and_after_a_save(tmp_path):
    for classes, labels_seen in ((2, None), (12, None), (4, [0, 1, 3])):
        features, labels = _rows(600, seed=classes, classes=min(classes, 3))
        if labels_seen is not None:
            labels = np.asarray(labels_seen)[labels]        # class 2 of 4 never seen: its column stays 0
        grown = ydf_forest.grow(features, labels, ["colour_xf"], classes, seed=3)
        answers = np.asarray(grown.answer({n: tf.constant(v) for n, v in features.items()}))
        # the same forest as the learning curve's YDF forests on the same rows, in the same layout
        forest = learning_curve.grow_forest(*gradient_boosted._in_one_order(features, labels), ["colour_xf"], seed=3)
        expected = learning_curve.forest_answers(forest, features, ["colour_xf"], classes)
        assert answers.shape == expected.shape == (600, 1 if classes == 2 else classes)
        np.testing.assert_allclose(answers, expected, atol=1e-6)
        if labels_seen is not None:
            assert np.all(answers[:, 2] == 0) and np.allclose(answers.sum(axis=1), 1, atol=1e-5)
        assert grown.info["trees"] > 0 and set(grown.info["importances"]) <= {"colour", "signal"}
    # the SavedModel answers the same (the Trainer's export saves the model with a signature calling `answer`)
    serve = tf.function(grown.answer, input_signature=[{"colour_xf": tf.TensorSpec([None], tf.int64),
                                                        "signal_xf": tf.TensorSpec([None], tf.float32)}])
    grown.model.serve = serve
    folder = str(tmp_path / "saved")
    tf.saved_model.save(grown.model, folder)
    grown.folder.cleanup()   # the SavedModel holds its own copy of the forest
    import tensorflow_decision_forests  # noqa: F401  (registers the ops the SavedModel calls)
    loaded = tf.saved_model.load(folder)
    again = loaded.serve({n: tf.constant(v) for n, v in features.items()})
    np.testing.assert_allclose(np.asarray(again), answers, atol=1e-6)


def test_a_regression_forest_and_a_label_it_cannot_grow_on():
    features, labels = _rows(300, seed=1, classes=3)
    values = labels.astype(float) * 2.5
    grown = ydf_forest.grow(features, values, ["colour_xf"], 0, regression=True)
    answers = np.asarray(grown.answer({n: tf.constant(v) for n, v in features.items()}))
    assert answers.shape == (300, 1) and abs(answers.mean() - values.mean()) < 0.2
    try:
        ydf_forest.grow(features, np.log1p(values - 5), ["colour_xf"], 0, regression=True)
    except ValueError as error:
        assert "label_scale" in str(error)
    else:
        raise AssertionError("a label with no log1p grew a forest")
