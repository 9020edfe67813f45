"""Features of the taxi model: which raw columns are used, and how.

Label: `big_tipper` (1 when the tip exceeded 20% of the fare), written by
`adapt data taxi`. Columns not listed here (the timestamp, census tracts) are
kept in the data for validation and drift reports but not fed to the model.
"""
from typing import List

LABEL_KEY = "big_tipper"

# Continuous values, z-scored.
DENSE_FLOAT_FEATURE_KEYS = ["trip_miles", "fare", "trip_seconds"]

# Continuous values bucketized by quantiles, used as categories.
BUCKET_FEATURE_KEYS = ["pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude"]
BUCKET_FEATURE_BUCKET_COUNT = [10, 10, 10, 10]

# Small integer ids used as categories; values outside [0, max) are clipped.
CATEGORICAL_FEATURE_KEYS = ["trip_start_hour", "trip_start_day", "trip_start_month",
                            "pickup_community_area", "dropoff_community_area"]
CATEGORICAL_FEATURE_MAX_VALUES = [24, 8, 13, 78, 78]

# Strings mapped to ids through a vocabulary computed by Transform.
VOCAB_FEATURE_KEYS = ["payment_type", "company"]
VOCAB_SIZE = 100
OOV_SIZE = 10

# Slices the Evaluator reports besides the overall metrics.
SLICE_FEATURE_KEYS = ["payment_type", "trip_start_hour"]


def transformed_name(key: str) -> str:
    return key + "_xf"


def transformed_names(keys: List[str]) -> List[str]:
    return [transformed_name(key) for key in keys]


def model_feature_keys() -> List[str]:
    return (DENSE_FLOAT_FEATURE_KEYS + BUCKET_FEATURE_KEYS + CATEGORICAL_FEATURE_KEYS
            + VOCAB_FEATURE_KEYS)
