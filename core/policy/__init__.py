"""When adapt retrains: the performance rules, the policies and the memory of declined retrains, in one place.

- rules.py: the performance rules, one class each, registered by key (the relative drop of a labeled batch's
  metric, the drop of the estimate on a batch without labels);
- policies.py: the policies (`triggered`, `periodic`, `static`), registered by key, `Policy.decide(Evidence)`;
- evidence.py: what a policy decides on and what it decides, typed;
- memory.py: the last declined retrain, so that the same evidence does not start training again;
- late_labels.py: a batch whose labels come after its data.

The drift rule is core/drift/comparison.py's `decision`; its verdict reaches a policy as a `DriftFinding`.
PerformanceEvaluator, SpanPreparator and the benchmarks call these; none holds a rule of its own.
"""
