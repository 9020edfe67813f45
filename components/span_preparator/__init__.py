"""SpanPreparator: decide whether a batch asks for retraining, and if so make it the next span."""
from components.span_preparator.component import SpanPreparator

__all__ = ["SpanPreparator"]
