"""A batch's data quality as the batch evaluation already recorded it: its rows (FileListGen), each column's
missing share (the drift report's per-feature row counts against the batch's rows), and the columns the data
contract check found missing or unknown. New categories and out-of-range shares need the statistics files
(`Views.new_categories`, `Views.out_of_range`, computed here by `out_of_range_shares`)."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from core.drift.comparison import MISSING, NEW
from core.drift.distributions import Numeric

SCHEMA_RANGE = "schema"                     # the kept schema's int_domain / float_domain bounds
TRAINING_RANGE = "training statistics"      # the smallest and largest value of the serving model's spans


@dataclass(frozen=True)
class DataQuality:
    rows: Optional[int]
    missing_share: Dict[str, float] = field(default_factory=dict)   # column -> share of rows without a value
    missing_columns: List[str] = field(default_factory=list)        # the contract's optional columns left out
    unknown_columns: List[str] = field(default_factory=list)        # columns the contract does not know
    schema_version: Optional[int] = None

    def most_missing(self, limit: int = 3) -> List[tuple]:
        """[(column, share)] of the columns missing most values, largest first, only those missing any."""
        found = sorted(((name, share) for name, share in self.missing_share.items() if share > 0),
                       key=lambda item: -item[1])
        return found[:limit]

    def summary(self) -> str:
        """'1,241 rows; most missing: company 31%, ...; missing columns: x; unknown columns: y' (or 'complete')."""
        parts = [f"{self.rows:,} rows" if self.rows else "rows unknown"]
        worst = self.most_missing()
        parts.append("most missing: " + ", ".join(f"{name} {share:.0%}" for name, share in worst) if worst
                     else "no missing values")
        if self.missing_columns:
            parts.append("missing columns: " + ", ".join(self.missing_columns))
        if self.unknown_columns:
            parts.append("unknown columns: " + ", ".join(self.unknown_columns))
        return "; ".join(parts)


def data_quality(listing: Mapping[str, Any], drift_features: Sequence[Mapping[str, Any]],
                 rows: Optional[int]) -> DataQuality:
    contract = listing.get("contract") or {}
    shares = {}
    for feature in drift_features:
        counted = feature.get("batch_rows")
        if rows and counted is not None and feature.get("kind") != MISSING:
            shares[feature["feature"]] = round(max(0.0, 1.0 - counted / rows), 4)
    missing = sorted(set(contract.get("missing_optional") or [])
                     | {f["feature"] for f in drift_features if f.get("kind") == MISSING})
    unknown = sorted(set(contract.get("unknown") or []) | {f["feature"] for f in drift_features
                                                           if f.get("kind") == NEW})
    return DataQuality(rows=int(rows) if rows else None, missing_share=shares, missing_columns=missing,
                       unknown_columns=unknown, schema_version=contract.get("schema_version"))


@dataclass(frozen=True)
class OutOfRange:
    """The share of a numeric column's values in the batch outside the range allowed: the schema's declared bounds
    (a side it leaves open is open), else the values the serving model's spans held. The batch's side is read from
    its statistics' quantile sketch: exact when none is out, otherwise within one of its buckets."""
    share: float
    low: Optional[float]
    high: Optional[float]
    source: str
    within: float = 0.0   # the sketch's resolution: the true share is within this of `share` (0: exact)

    def allowed(self) -> str:
        low = "-inf" if self.low is None else f"{self.low:.6g}"
        return f"{low} to {'inf' if self.high is None else f'{self.high:.6g}'}"


def out_of_range_shares(batch: Mapping[str, Any], training: Mapping[str, Sequence[Numeric]],
                        declared: Mapping[str, Tuple[Optional[float], Optional[float]]]) -> Dict[str, OutOfRange]:
    """{column: OutOfRange} for the batch's numeric columns that have a range: declared in the schema, or seen in
    training (the smallest and largest of the spans' sketches). Columns that are categories are left out."""
    found = {}
    for name, current in batch.items():
        if not isinstance(current, Numeric):
            continue
        if name in declared:
            (low, high), source = declared[name], SCHEMA_RANGE
        elif training.get(name):
            low = float(min(d.points[0] for d in training[name]))
            high = float(max(d.points[-1] for d in training[name]))
            source = TRAINING_RANGE
        else:
            continue
        share, least, most = 0.0, 0.0, 0.0
        if low is not None and low > current.points[0]:   # some value below: F just below `low`, bounded
            below = np.nextafter(low, -np.inf)
            bounds = current.cdf_bounds(below)
            share, least, most = float(current.cdf_at(below)), float(bounds[0]), float(bounds[1])
        if high is not None and high < current.points[-1]:   # (the sketch's first and last points: min and max)
            bounds = current.cdf_bounds(high)
            share, least, most = (share + 1.0 - float(current.cdf_at(high)), least + 1.0 - float(bounds[1]),
                                  most + 1.0 - float(bounds[0]))
        within = max(share - least, most - share, 0.0) if share > 0 else 0.0
        found[name] = OutOfRange(round(share, 4), low, high, source, round(within, 4))
    return found


def declared_ranges(schema) -> Dict[str, Tuple[Optional[float], Optional[float]]]:
    """{feature: (min, max)} a schema (tensorflow_metadata Schema) declares for its numeric, non-categorical
    features; None for a side it leaves open."""
    found = {}
    for feature in schema.feature:
        domain = (feature.int_domain if feature.HasField("int_domain") else
                  feature.float_domain if feature.HasField("float_domain") else None)
        if domain is None or getattr(domain, "is_categorical", False):
            continue
        bounds = (float(domain.min) if domain.HasField("min") else None,
                  float(domain.max) if domain.HasField("max") else None)
        if bounds != (None, None):
            found[feature.name] = bounds
    return found
