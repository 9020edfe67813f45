"""The metrics adapt measures a model by: those of a regression model, and those where lower is better."""

REGRESSION_METRICS = ("mae", "rmse", "r2")
LOWER_IS_BETTER = ("mae", "rmse", "log_loss")  # errors: a rise, not a drop, is a loss
