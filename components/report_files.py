"""Where a custom component's report lives in its artifact folder, readable without TFX or TensorFlow (the dashboard
reads hundreds of them to draw a page). components/artifacts.py writes and reads them through TFX's fileio, for
any filesystem; this reads a local workspace's."""
import json
import os
from typing import Any, Dict

REPORT_FILE = "report.json"


def read_local_report(uri: str) -> Dict[str, Any]:
    with open(os.path.join(uri, REPORT_FILE)) as handle:
        return json.load(handle)
