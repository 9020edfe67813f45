"""Distribution drift: feature distributions from TFDV statistics, the measures, and the drift report."""
