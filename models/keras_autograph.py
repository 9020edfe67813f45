"""Keep AutoGraph out of tf-keras internals.

TF 2.16 runs Keras 2 as the separate `tf_keras` package, which AutoGraph does
not recognise as library code: the first `fit`, `predict` or model load in a
process converts all of tf-keras' training loop from source, which took 25 s
of a 28 s first epoch here. tf-keras is written to be graph-safe (Keras 2
inside TensorFlow was always exempt), so exempting it changes no result.
"""
_done = False


def exclude_tf_keras_from_autograph() -> None:
    global _done
    if _done:
        return
    from tensorflow.python.autograph.core import config  # no public switch exists

    config.CONVERSION_RULES = (config.DoNotConvert("tf_keras"),) + tuple(config.CONVERSION_RULES)
    _done = True
