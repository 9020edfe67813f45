import base64

import pytest

from core.data.examples import example_to_instance, instance_to_example
from core.errors import RequestError

TYPES = {"image": "string", "name": "string", "size": "int"}
PNG_START = b"\x89PNG\r\n\x1a\n\x00\xff"  # not UTF-8


def test_binary_values_travel_as_b64_both_ways():
    example = instance_to_example({"image": {"b64": base64.b64encode(PNG_START).decode()}, "name": "a", "size": 3},
                                  TYPES)
    assert example.features.feature["image"].bytes_list.value == [PNG_START]
    assert example_to_instance(example, TYPES) == {"image": {"b64": base64.b64encode(PNG_START).decode()},
                                                   "name": "a", "size": 3}
    assert instance_to_example({"image": PNG_START}, TYPES).features.feature["image"].bytes_list.value == [PNG_START]


@pytest.mark.parametrize("value, message", [
    ({"b64": "not base64!"}, "its b64 value is not base64"),
    ({"b64": 7}, "expects a string"),
    ({"b64": "AA==", "extra": 1}, "expects a string"),
])
def test_a_bad_b64_value_is_a_request_error_naming_the_feature(value, message):
    with pytest.raises(RequestError, match=f"feature 'image'.*{message}|feature 'image': {message}"):
        instance_to_example({"image": value}, TYPES)


def test_an_integer_beyond_64_bits_is_a_request_error_not_a_crash():
    from core.data.examples import instance_to_example
    from core.errors import RequestError
    types = {"hour": "int"}
    assert instance_to_example({"hour": 2 ** 63 - 1}, types).features.feature["hour"].int64_list.value == [2 ** 63 - 1]
    for value in (2 ** 63, -2 ** 63 - 1, 1.5e23):  # found by the REST fuzzer (serving/openapi_test.py): a 500
        with pytest.raises(RequestError, match="'hour' expects a 64-bit integer"):
            instance_to_example({"hour": value}, types)
