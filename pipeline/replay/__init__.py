"""Replaying a history of batches through the system: the demo and its reports."""
