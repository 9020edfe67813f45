"""Transform's preprocessing_fn for images: decode (PNG, JPEG, GIF, BMP), resize to SIZE x SIZE, scale to 0..1.

Every image becomes CHANNELS channels (a grey image is repeated, an alpha
channel dropped), so one model takes any source; the label becomes the index
of its class in `classes`.
"""
import tensorflow as tf

from core.contract import transformed_name
from core.data.images import IMAGE_FEATURE
from models.tensors import dense_vector, label_index

SIZE = 32
CHANNELS = 3


def decode(encoded):
    """A vector of encoded images -> float pixels [N, SIZE, SIZE, CHANNELS] in 0..1."""
    def one(data):
        image = tf.io.decode_image(data, channels=CHANNELS, expand_animations=False)
        return tf.image.resize(tf.cast(image, tf.float32) / 255.0, [SIZE, SIZE])
    return tf.map_fn(one, encoded, fn_output_signature=tf.TensorSpec([SIZE, SIZE, CHANNELS], tf.float32))


def preprocessing_fn(inputs, custom_config):
    outputs = {transformed_name(IMAGE_FEATURE): decode(dense_vector(inputs[IMAGE_FEATURE], ""))}
    label = (custom_config or {}).get("label")
    if label in inputs:
        outputs[transformed_name(label)] = label_index(inputs[label], custom_config["classes"])
    return outputs
