"""Running adapt's pipelines on this machine: BeamDagRunner with progress, the training and batch-evaluation
runs, drift between spans and batches, and the local training launcher."""
