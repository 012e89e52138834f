"""tuner: hyperparameter search for Spark MLlib and scikit-learn on Ray."""

__version__ = "0.1.0"
__all__ = ["__version__"]
