"""YAML -> frozen, typed, validated experiment objects. Imports no Ray, Spark or RayDP."""

from tuner.config._errors import ConfigError, did_you_mean
from tuner.config.loader import experiment_to_dict, load_experiment
from tuner.config.families import (ModelType, ParamRule, UnknownModelError, model_type, model_types, objective,
                                    register_model_type, unregister_model_type)
from tuner.config.schema import (
    ChoiceSpec,
    ColumnsConfig,
    DataConfig,
    Experiment,
    IntSpec,
    LogIntSpec,
    LogUniformSpec,
    ModelConfig,
    OutputConfig,
    RayConfig,
    SchedulerConfig,
    SearchConfig,
    SparkConfig,
    SyntheticConfig,
    TrialConfig,
    UniformSpec,
    is_space,
)
from tuner.config.spaces import find_search_space

__all__ = [
    "ChoiceSpec",
    "ColumnsConfig",
    "ConfigError",
    "DataConfig",
    "Experiment",
    "IntSpec",
    "LogIntSpec",
    "LogUniformSpec",
    "ModelConfig",
    "ModelType",
    "OutputConfig",
    "ParamRule",
    "RayConfig",
    "SchedulerConfig",
    "SearchConfig",
    "SparkConfig",
    "SyntheticConfig",
    "TrialConfig",
    "UnknownModelError",
    "UniformSpec",
    "did_you_mean",
    "experiment_to_dict",
    "find_search_space",
    "is_space",
    "load_experiment",
    "model_type",
    "model_types",
    "objective",
    "register_model_type",
    "unregister_model_type",
]
