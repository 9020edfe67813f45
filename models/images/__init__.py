"""The built-in model for image batches: a small convolutional classifier over the `image` bytes of each example.

Image spans hold one tf.Example per image (core/data/images.py): the encoded
file under `image`, the label as text, and pixel statistics that drift is
measured on but the model never reads. Label and classes come from adapt.yaml
(`adapt data digits` and `adapt init` on a folder of images write them), as
for the tabular model. Spans are TFRecord files, read by ImportExampleGen.
"""
from core.data.images import IMAGE_FEATURE

SPAN_FORMAT = "tfrecord"
DRIFT_EXCLUDE = [IMAGE_FEATURE]   # compared through its pixel statistics, not as bytes
