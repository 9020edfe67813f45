"""pytest configuration for the whole tree: TensorFlow's process defaults before any test module loads TensorFlow."""
import core  # noqa: F401
