"""`adapt tune`'s building blocks: the retraining policy fitted on a user's own history.

- stream.py: the batch folders in memory, as the pipeline reads them (rows, labels, splits, drift statistics);
- simulator.py: the pipeline's retraining loop replayed in memory for one setting, with the same learner
  settings, drift engine, rules and policies; models cached by window;
- search.py: the grid, the honest-in-time split (choose on the earlier batches, report on the later) and the
  objective;
- report.py: the table, reports/tune.md and reports/tune.png.
"""
