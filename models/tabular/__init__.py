"""The built-in model for any table: features, label and classes come from adapt.yaml, not from code.

`adapt init` writes `model.features` (a role per column: numeric, bucketized,
categorical, ignore), `model.label` and `model.classes`; the training pipeline
hands them to Transform and Trainer as `custom_config`, so a compiled
Kubeflow/Vertex pipeline carries them too. Binary and multi-class
classification. This package declares nothing of its own: no label, slices or
drift exclusions beyond what adapt.yaml says.
"""
