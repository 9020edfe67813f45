"""preprocessing_fn on a handful of raw rows, through tf.Transform's own Beam implementation."""
import tempfile

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

import models  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
from models.taxi import features, preprocessing

FLOAT_KEYS = features.DENSE_FLOAT_FEATURE_KEYS + features.BUCKET_FEATURE_KEYS
INT_KEYS = features.CATEGORICAL_FEATURE_KEYS + [features.LABEL_KEY]


def _row(i, payment="Cash", hour=None):
    row = {key: [float(i + 1)] for key in FLOAT_KEYS}
    row.update({key: [i % 5] for key in INT_KEYS})
    row["trip_start_hour"] = [hour if hour is not None else i]
    row["payment_type"] = [payment.encode()]
    row["company"] = [] if i % 3 == 0 else [b"Flash Cab"]  # missing values become ''
    return row


@pytest.fixture(scope="module")
def transformed():
    rows = [_row(i, "Cash" if i % 2 else "Credit Card") for i in range(20)] + [_row(20, hour=99)]
    spec = {key: tf.io.VarLenFeature(tf.float32) for key in FLOAT_KEYS}
    spec.update({key: tf.io.VarLenFeature(tf.int64) for key in INT_KEYS})
    spec.update({key: tf.io.VarLenFeature(tf.string) for key in features.VOCAB_FEATURE_KEYS})
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(spec))
    with tft_beam.Context(temp_dir=tempfile.mkdtemp()):
        (data, _), _ = (rows, metadata) | tft_beam.AnalyzeAndTransformDataset(
            preprocessing.preprocessing_fn, output_record_batches=False)
    return data


def test_dense_features_are_z_scored(transformed):
    values = np.array([row["fare_xf"] for row in transformed])
    assert abs(values.mean()) < 1e-5 and abs(values.std() - 1) < 1e-3


def test_vocabulary_ids_are_within_the_fixed_width(transformed):
    payment_ids = {int(row["payment_type_xf"]) for row in transformed}
    assert len(payment_ids) == 2
    assert all(0 <= i < features.VOCAB_SIZE + features.OOV_SIZE for i in payment_ids)


def test_buckets_and_categories_stay_in_range(transformed):
    assert {int(row["pickup_latitude_xf"]) for row in transformed} <= set(range(10))
    hours = [int(row["trip_start_hour_xf"]) for row in transformed]
    assert max(hours) == 23  # 99 clipped to the last category


def test_label_passes_through(transformed):
    assert [int(row["big_tipper_xf"]) for row in transformed] == [i % 5 for i in range(21)]
