"""Where runs are recorded besides the run directory: MLflow runs and the Optuna study storage."""
