"""A batch's data quality as the batch evaluation already recorded it: its rows (FileListGen), each column's
missing share (the drift report's per-feature row counts against the batch's rows), and the columns the data
contract check found missing or unknown. New categories need the statistics files: `Views.new_categories`."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from core.drift.comparison import MISSING, NEW


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
