"""Chicago taxi use case: will this trip's tip exceed 20% of the fare? (the model contract's constants)"""
from .features import LABEL_KEY as LABEL
from .features import SLICE_FEATURE_KEYS as SLICES

CLASSES = ["0", "1"]
# Time stamps and the season drift by definition; census tracts are ids.
DRIFT_EXCLUDE = ["trip_start_timestamp", "trip_start_month", "pickup_census_tract", "dropoff_census_tract"]
# New taxi companies appear every year (2016 brings a dozen, over 10 % of the trips): new values go to
# the vocabulary's out-of-vocabulary buckets instead of stopping retraining; drift still reports them.
OPEN_DOMAIN_FEATURES = ["company"]

__all__ = ["LABEL", "CLASSES", "SLICES", "DRIFT_EXCLUDE", "OPEN_DOMAIN_FEATURES"]
