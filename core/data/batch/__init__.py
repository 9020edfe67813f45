"""Incoming batches, one job per module, each layer on the one below; none imports TensorFlow (the scheduler
reads batches on every tick):

- reading.py: a batch folder's files: listing, format, headers, rows, counts, arrival, its fingerprint;
- labels.py: the label column, or a labels file added later, joined to the rows; request ids;
- records.py: what a workspace did with a batch (state) and who is doing it (claim, lock), in the workspace;
- readiness.py: `Batch`, all of these, and whether it is processed or ready; the scan of incoming/.
"""
from core.data.batch.labels import REQUEST_IDS_FILE, label_text
from core.data.batch.readiness import Batch, list_batches, ready_batches
from core.data.batch.reading import clean_header, object_store_url
from core.data.batch.records import CLAIM_FILE, STATE_FILE, BatchRecords

__all__ = ["Batch", "BatchRecords", "CLAIM_FILE", "REQUEST_IDS_FILE", "STATE_FILE", "clean_header", "label_text",
           "list_batches", "object_store_url", "ready_batches"]
