"""Helpers shared by the custom components and the command line: spans, batches, artifact types."""
