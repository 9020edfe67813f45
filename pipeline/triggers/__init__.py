"""What starts adapt's pipelines.

- manual: the `adapt` commands (`train`, `evaluate-batch`);
- schedule: `adapt watch --every 15m | --cron EXPR [--once]` (schedule.py, watcher.py);
- new-data arrival: a batch is ready when it holds enough instances and is not
  yet processed, oldest first (new_data.py);
- performance deterioration and distribution change: PerformanceEvaluator and
  DriftDetector inside the batch-evaluation pipeline decide, SpanPreparator and
  PipelineTrigger act;
- cloud function: `cloud_function/main.py` scans a bucket prefix and starts the
  batch-evaluation pipeline per ready batch (launch.py does the starting).

Nothing in this package imports TensorFlow: an idle tick stays cheap.
"""
