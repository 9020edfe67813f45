"""The window of spans as ExampleGen's input config: one split pattern per span folder, one train and one eval
split per window position (the Kubeflow build passes the window as this runtime parameter), and static ranges.
"""
import json
from typing import List

from google.protobuf import json_format
from tfx.proto import example_gen_pb2, range_config_pb2

from core.data.spans import SpanWindow, split_pattern


def span_input_config() -> example_gen_pb2.Input:
    return example_gen_pb2.Input(splits=[
        example_gen_pb2.Input.Split(name="train", pattern=split_pattern("train")),
        example_gen_pb2.Input.Split(name="eval", pattern=split_pattern("test")),
    ])


def static_range(start: int, end: int) -> range_config_pb2.RangeConfig:
    return range_config_pb2.RangeConfig(
        static_range=range_config_pb2.StaticRange(start_span_number=start, end_span_number=end))


def train_split(position: int) -> str:
    return f"train-{position}"


def eval_split(position: int) -> str:
    return f"eval-{position}"


def window_positions(window: SpanWindow, size: int) -> List[int]:
    """The span at each window position 1..size (position size is the newest span)."""
    spans = window.spans[-size:]
    return [spans[0]] * (size - len(spans)) + spans


def window_input_config(window: SpanWindow, size: int) -> example_gen_pb2.Input:
    """ExampleGen Input naming exactly the window's span folders, one train and one eval split per position."""
    splits = []
    for position, span in enumerate(window_positions(window, size), start=1):
        splits.append(example_gen_pb2.Input.Split(name=train_split(position), pattern=split_pattern("train", span)))
        splits.append(example_gen_pb2.Input.Split(name=eval_split(position), pattern=split_pattern("test", span)))
    return example_gen_pb2.Input(splits=splits)


def window_input_config_json(window: SpanWindow, size: int) -> str:
    return json.dumps(json_format.MessageToDict(window_input_config(window, size)), sort_keys=True)
