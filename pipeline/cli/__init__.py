"""The `adapt` command line: one module per command group, each declaring its commands beside their handlers (data,
train, batch, kubeflow, models, schema, backup, ops, serve); common.py the shared flags and output; main.py adds the
groups and turns errors into one line."""
