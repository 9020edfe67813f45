"""Labels on a budget: which rows to label (acquisition.py, active testing), the batch's metric from the labeled
ones (estimate.py, unbiased with a band), and a drop split by its cause (explain.py)."""
