from tensorflow_model_analysis.proto import metrics_for_slice_pb2

from components.confident_evaluator.executor import accuracy_gain


def _slice(gain, standard_error=None, name="binary_accuracy", sliced=False):
    per_slice = metrics_for_slice_pb2.MetricsForSlice()
    if sliced:
        per_slice.slice_key.single_slice_keys.add(column="payment_type", bytes_value=b"Cash")
    entry = per_slice.metric_keys_and_values.add()
    entry.key.name, entry.key.is_diff = name, True
    entry.value.double_value.value = gain
    if standard_error is not None:
        entry.confidence_interval.standard_error.double_value.value = standard_error
        entry.confidence_interval.degrees_of_freedom.value = 19
    plain = per_slice.metric_keys_and_values.add()
    plain.key.name = name
    plain.value.double_value.value = 0.9
    return per_slice


def test_the_overall_accuracy_difference_and_its_standard_error_are_read():
    promotion = accuracy_gain([_slice(0.5, 0.1, sliced=True), _slice(0.004, 0.004)], 0.9, 0.0)
    assert (promotion.gain, promotion.standard_error, promotion.degrees_of_freedom) == (0.004, 0.004, 19)
    assert not promotion.proven
    multi = accuracy_gain([_slice(0.03, 0.005, name="sparse_categorical_accuracy")], 0.9, 0.0)
    assert multi.proven and multi.lower > 0.02


def test_an_evaluation_without_a_baseline_has_no_gain_to_judge():
    per_slice = metrics_for_slice_pb2.MetricsForSlice()
    entry = per_slice.metric_keys_and_values.add()
    entry.key.name = "binary_accuracy"
    assert accuracy_gain([per_slice], 0.9, 0.0) is None
    assert accuracy_gain([_slice(0.01)], 0.9, 0.0).standard_error == 0.0   # no interval: the point estimate
