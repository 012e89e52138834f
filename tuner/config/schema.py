"""The typed, frozen form of an experiment YAML. Validation of values lives here; messages in _errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from tuner.config._errors import (AT_MOST, BRANCH_KEY_NOT_STR, BRANCH_NOT_A_VALUE, COLUMN_TWICE, GP_NEEDS_TORCH,
                                  INCREASING, LOW_HIGH, MEMORY_SIZE, NEEDS_SOURCE, ONE_CHARACTER, PARAM_VALUE,
                                  RATING_SCALE, RELEVANT_ABOVE_SCALE, STEP_MULTIPLE)
from tuner.errors import shorten


class _Frozen(BaseModel):
    # strict: YAML `num_samples: true` or `rank: 1.5` is an error, not silently 1; an int is still a valid float.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class _Bounded(_Frozen):
    @model_validator(mode="after")
    def _low_le_high(self):
        if self.low > self.high:
            raise ValueError(LOW_HIGH.format(low=self.low, high=self.high))
        return self


# ---- search-space vocabulary (bounds inclusive) ----------------------------------------------------------
class UniformSpec(_Bounded):
    """A float drawn uniformly from [low, high]."""

    type: Literal["uniform"]
    low: float
    high: float


class LogUniformSpec(_Bounded):
    """A float drawn log-uniformly from [low, high]; low > 0."""

    type: Literal["loguniform"]
    low: Annotated[float, Field(gt=0)]
    high: Annotated[float, Field(gt=0)]


class IntSpec(_Bounded):
    """An int drawn from {low, low+step, ..., high}; both bounds inclusive, so high - low is a multiple of step."""

    type: Literal["int"]
    low: int
    high: int
    step: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _step_divides(self) -> "IntSpec":
        if (self.high - self.low) % self.step:
            raise ValueError(STEP_MULTIPLE.format(span=self.high - self.low, step=self.step))
        return self


class LogIntSpec(_Bounded):
    """An int drawn log-uniformly from [low, high], both inclusive; low >= 1."""

    type: Literal["logint"]
    low: Annotated[int, Field(ge=1)]
    high: Annotated[int, Field(ge=1)]


class ChoiceSpec(_Frozen):
    """One of ``values`` (scalars).

    ``branches`` makes the space conditional: for a chosen value listed there, its own params are searched too
    (e.g. ``C`` only when the estimator is LogisticRegression). Each branch maps param -> spec or fixed value.
    """

    type: Literal["choice"]
    values: Annotated[list[Union[bool, int, float, str]], Field(min_length=1)]
    # keys of any scalar kind are read, so a bool/number key gets the clear BRANCH_KEY_NOT_STR, not a type error
    branches: dict[Union[bool, int, float, str], dict[str, "ParamValue"]] | None = None

    @model_validator(mode="after")
    def _branches_are_values(self) -> "ChoiceSpec":
        for name in self.branches or {}:
            if not isinstance(name, str):
                raise ValueError(BRANCH_KEY_NOT_STR.format(got=repr(name)))
            if name not in self.values:
                raise ValueError(BRANCH_NOT_A_VALUE.format(name=name))
        return self


SpaceSpec = Annotated[
    Union[UniformSpec, LogUniformSpec, IntSpec, LogIntSpec, ChoiceSpec], Field(discriminator="type")
]


def _param_kind(value: Any) -> str | None:
    if isinstance(value, (dict, BaseModel)):
        return "space"
    for kind in (bool, int, float, str):  # bool first: True is an int too
        if isinstance(value, kind):
            return kind.__name__
    return None


# A mapping is validated only as a space (one clear error), a scalar only as itself.
ParamValue = Annotated[
    Union[
        Annotated[SpaceSpec, Tag("space")],
        Annotated[bool, Tag("bool")],
        Annotated[int, Tag("int")],
        Annotated[float, Tag("float")],
        Annotated[str, Tag("str")],
    ],
    Discriminator(_param_kind, custom_error_type="param_value", custom_error_message=f"must be {PARAM_VALUE}"),
]
#: a value in a known-good start (``starts:``): a choice's value or a number
StartValue = Union[bool, int, float, str]
SPACE_TYPES = ("uniform", "loguniform", "int", "logint", "choice")
ChoiceSpec.model_rebuild()


# ---- blocks ------------------------------------------------------------------------------------------------
# Bounds past which a value is a mistake, not a plan (a typo's extra zeros, 1e-300 for a timeout): a year of
# seconds, a million trials, and a Spark memory size of at least 128m (JVM sizes: k, m, g, t; no unit = bytes,
# which Spark refuses below 450 MiB for an executor anyway).
MAX_SECONDS = 366 * 24 * 3600
MAX_TRIALS = 1_000_000
MEMORY = r"^(?:[1-9]\d{8,12}|[1-9]\d{5,9}[kK]|(?:12[89]|1[3-9]\d|[2-9]\d{2}|[1-9]\d{3,6})[mM]|[1-9]\d{0,3}[gG]|[1-9][tT])$"


class SyntheticConfig(_Frozen):
    """MovieLens-shaped synthetic ratings generated inside Spark."""

    ratings: Annotated[int, Field(ge=100)] = 1_000_000
    users: Annotated[int, Field(ge=2)] = 6_000
    items: Annotated[int, Field(ge=2)] = 4_000
    rank: Annotated[int, Field(ge=1)] = 8
    noise: Annotated[float, Field(ge=0)] = 0.5
    popularity_exponent: Annotated[float, Field(ge=1)] = 2.5
    partitions: Annotated[int, Field(ge=1)] = 8


class ColumnsConfig(_Frozen):
    """Names of the rating columns in a generic CSV/Parquet source."""

    user: str = "userId"
    item: str = "movieId"
    rating: str = "rating"


class SyntheticChurnConfig(_Frozen):
    """A churn-shaped table generated inside Spark (``format: synthetic-churn``), label ``churn``."""

    rows: Annotated[int, Field(ge=100)] = 20_000
    missing_fraction: Annotated[float, Field(ge=0, lt=0.5)] = 0.02
    partitions: Annotated[int, Field(ge=1)] = 4


DataFormat = Literal["auto", "movielens-csv", "movielens-dat", "movielens-tsv", "csv", "parquet", "synthetic",
                     "synthetic-churn"]
KNOWN_DOWNLOADS = ("ml-25m", "ml-20m", "ml-latest", "ml-latest-small", "ml-1m", "ml-10m", "ml-100k")


class DataConfig(_Frozen):
    """Where the ratings come from, how bad rows are handled, and how they are split."""

    format: DataFormat = "auto"
    path: str | None = None
    download: Literal[KNOWN_DOWNLOADS] | None = None  # type: ignore[valid-type]
    cache_dir: str = "~/.cache/tuner"
    columns: ColumnsConfig = ColumnsConfig()
    csv_header: bool = True
    csv_separator: str = ","  # one character, as Python's csv module (the header check) needs
    rating_scale: Annotated[tuple[float, float], Field(strict=False)] = (0.5, 5.0)  # a YAML list
    bad_rows: Literal["drop", "fail"] = "drop"
    test_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    folds: Annotated[int, Field(ge=2, le=20)] = 3
    seed: int = 0
    # ranking metrics: a held-out rating >= this is relevant (ignored by implicit models: every row is)
    relevant_rating: float = 4.0
    synthetic: SyntheticConfig = SyntheticConfig()
    # the task (tuner.config.tasks): binary, multiclass, regression, clustering, ratings; None: the family's own
    task: str | None = None
    # labelled tables (every task but ratings); ratings models ignore these
    label: str | None = None  # None: 'churn' for synthetic-churn; required unless the task is clustering
    positive_label: str | None = None  # None: 1/yes/true/y/churn, else the rarer class
    numeric: list[str] | None = None  # None: inferred (columns whose non-blank values all parse as numbers)
    categorical: list[str] | None = None  # None: the other columns
    ignore: list[str] = []  # columns never used as features (ids)
    missing: Literal["impute", "drop", "fail"] = "impute"
    synthetic_churn: SyntheticChurnConfig = SyntheticChurnConfig()

    @model_validator(mode="after")
    def _columns_once(self) -> "DataConfig":
        seen: dict[str, str] = {}
        for key in ("label", "numeric", "categorical", "ignore"):
            value = getattr(self, key)
            for name in [value] if isinstance(value, str) else (value or []):
                if name in seen:
                    raise ValueError(COLUMN_TWICE.format(name=name, first=f"data.{seen[name]}", second=f"data.{key}"))
                seen[name] = key
        return self

    @field_validator("csv_separator")
    @classmethod
    def _one_character(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError(ONE_CHARACTER.format(got=v))
        return v

    @field_validator("rating_scale")
    @classmethod
    def _scale_ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] >= v[1]:
            raise ValueError(RATING_SCALE.format(low=v[0], high=v[1]))
        return v

    @field_validator("relevant_rating")
    @classmethod
    def _relevant_in_scale(cls, v: float, info: ValidationInfo) -> float:
        scale = info.data.get("rating_scale")
        if scale is not None and v > scale[1]:
            raise ValueError(RELEVANT_ABOVE_SCALE.format(high=scale[1], got=v))
        return v

    @model_validator(mode="after")
    def _has_source(self) -> "DataConfig":
        if self.format not in ("synthetic", "synthetic-churn") and self.path is None and self.download is None:
            raise ValueError(NEEDS_SOURCE)
        return self


class ModelConfig(_Frozen):
    """The model family (``type``), an optional named search space, and parameter overrides.

    After ``load_experiment``, ``params`` hold the space merged with the overrides and ``space`` is None.
    """

    type: str
    space: str | None = None
    params: dict[str, ParamValue] = {}
    # Set by load_experiment, not by hand: per param, "<file> <key path>" where its value was written (the
    # search-space file or the experiment file), so a warning can name the file to edit.
    param_origins: dict[str, str] = {}
    # known-good configurations tried first (tuner.config.starts); None: the search space file's, [] none.
    # After load_experiment: the resolved list (searched flat names -> values the space can draw).
    starts: list[dict[str, StartValue]] | None = None


class ObjectiveConfig(_Frozen):
    """One objective of a multi-objective search: a reported metric and its direction (None: the metric's own)."""

    metric: str
    mode: Literal["min", "max"] | None = None


class SelectConfig(BaseModel):
    """Which Pareto-front member is refit, tested and exported: the best ``metric`` among the members within
    the bounds ``max_<objective>: value`` / ``min_<objective>: value`` (e.g. ``{metric: rmse, max_fit_seconds: 30}``).

    The bounds are extra keys, checked against the objectives in ``tuner.config.objectives``.
    """

    model_config = ConfigDict(frozen=True, extra="allow", strict=True, allow_inf_nan=False)
    metric: str | None = None  # None: the first objective

    def bounds(self) -> dict[str, tuple[str, float]]:
        """``{"max_fit_seconds": ("fit_seconds", 30.0)}``: each bound key -> (objective metric, value)."""
        return {k: (k[4:], v) for k, v in (self.model_extra or {}).items()}


class SearchConfig(_Frozen):
    """How configurations are proposed."""

    type: Literal["optuna"] = "optuna"
    # auto: a rule on the space and budget (tuner.search.samplers.choose_sampler: TPE for every space measured);
    # qmc: TPE after a Sobol start; skgp: a Gaussian process on scikit-learn after a Sobol start (no torch);
    # gp: Optuna's GPSampler after a Sobol start (needs the extra tuner[gp], i.e. torch)
    sampler: Literal["auto", "tpe", "qmc", "random", "skgp", "gp"] = "auto"  # measured: docs/benchmarks.md
    num_samples: Annotated[int, Field(ge=1)] = 12  # <= MAX_TRIALS (_not_absurd)
    seed: int = 0
    # None: 1 for ALS (a fit uses every executor core), else the executors' cores (tuner.runner.resources)
    max_concurrent_trials: Annotated[int, Field(ge=1)] | None = None
    metric: str | None = None  # None: the model's default objective
    mode: Literal["min", "max"] | None = None
    time_budget_s: Annotated[float, Field(ge=1, le=MAX_SECONDS)] | None = None
    startup_trials: Annotated[int, Field(ge=1)] | None = None  # TPE's random start; None: from dims and budget
    # stop starting trials after this many finished trials (completed or pruned) without an improvement of the
    # best CV metric by more than patience_tolerance x |best|; None: no such stop
    patience: Annotated[int, Field(ge=1)] | None = None
    patience_tolerance: Annotated[float, Field(ge=0)] = 0.001
    # ranking metrics (ndcg@K, ...) are computed on a seeded sample of this many users (all when fewer)
    ranking_users: Annotated[int, Field(ge=1)] = 10_000
    # two or more objectives: Optuna's multi-objective search (the sampler above, run on every objective); the
    # Pareto front goes to summary.json, the leaderboard and a plot, and `select` picks the member that is refit
    objectives: Annotated[list[ObjectiveConfig], Field(min_length=2)] | None = None
    select: SelectConfig | None = None

    @field_validator("num_samples", "max_concurrent_trials")
    @classmethod
    def _not_absurd(cls, v: int | None) -> int | None:
        if v is not None and v > MAX_TRIALS:
            raise ValueError(AT_MOST.format(limit=MAX_TRIALS, got=shorten(str(v), 30)))
        return v

    @field_validator("sampler")
    @classmethod
    def _gp_has_torch(cls, v: str) -> str:
        import importlib.util

        if v == "gp" and importlib.util.find_spec("torch") is None:  # found without importing it
            raise ValueError(GP_NEEDS_TORCH)
        return v


class SchedulerConfig(_Frozen):
    """Early stopping across budget steps: optional data-fraction steps on fold 0, then the CV folds."""

    type: Literal["asha", "fifo"] = "asha"
    grace_period: Annotated[int, Field(ge=1)] = 1
    reduction_factor: Annotated[float, Field(gt=1)] = 2.0
    data_fractions: list[Annotated[float, Field(gt=0, lt=1)]] = []

    @field_validator("data_fractions")
    @classmethod
    def _increasing(cls, v: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError(INCREASING.format(got=v))
        return v


class TrialConfig(_Frozen):
    """Per-trial limits."""

    timeout_s: Annotated[float, Field(ge=1, le=MAX_SECONDS)] = 900.0
    max_failures: Annotated[int, Field(ge=0)] = 0


class SparkConfig(_Frozen):
    """The experiment's one RayDP Spark cluster."""

    executors: Annotated[int, Field(ge=1)] = 1
    executor_cores: Annotated[int, Field(ge=1)] = 2
    executor_memory: str = "2g"  # a JVM size >= 128m (MEMORY_SIZE)
    driver_memory: str = "2g"
    start_timeout_s: Annotated[float, Field(ge=1, le=MAX_SECONDS)] = 240.0
    conf: dict[str, Union[str, int, float, bool]] = {}

    @field_validator("executor_memory", "driver_memory")
    @classmethod
    def _memory_size(cls, v: str) -> str:
        import re

        if not re.match(MEMORY, v):
            raise ValueError(MEMORY_SIZE.format(got=v))
        return v


class RayConfig(_Frozen):
    """Where Ray runs. ``address: null`` starts a local Ray."""

    address: str | None = None
    num_cpus: Annotated[int, Field(ge=1)] | None = None
    object_store_memory_mb: Annotated[int, Field(ge=100)] | None = None
    # The local Ray's dashboard; None (or 0): a free port, printed at the start and in summary.json, so two runs
    # (or a run beside a notebook's Ray) never collide. A fixed port that is taken stops the run with one line.
    dashboard_port: Annotated[int, Field(ge=0, le=65535)] | None = None
    # Prometheus endpoint of the local Ray's metrics (tuner's own too): http://127.0.0.1:<port>/metrics;
    # None: a port Ray picks (printed and in summary.json as metrics_url).
    metrics_export_port: Annotated[int, Field(ge=1, le=65535)] | None = None


class OutputConfig(_Frozen):
    """Where run directories go and what is written."""

    dir: str = "runs"
    # On a multi-node Ray cluster the run directory (model, checkpoints) must be the same storage on every node:
    # true declares that output.dir is such a mount (NFS, EFS, ...). See tuner/runner/cluster_checks.py.
    shared_storage: bool = False
    export_model: bool = True
    plots: bool = True
    top_k: Annotated[int, Field(ge=1)] = 10  # recommendations stored per user beside an exported ALS model


class TrackingConfig(_Frozen):
    """Where a run is recorded besides its run directory (MLflow; the Optuna study is always in the run dir)."""

    mlflow: bool = True
    # None: $MLFLOW_TRACKING_URI, else sqlite:///<output.dir, absolute>/mlflow.db (one store for all runs there).
    # A URI with a scheme: sqlite:////abs/mlflow.db, http://host:5000, databricks; a relative sqlite path is
    # made absolute against the working directory tuner starts in.
    uri: str | None = None
    experiment: Annotated[str, Field(min_length=1)] | None = None  # None: the experiment's `name`

    @field_validator("uri")
    @classmethod
    def _has_scheme(cls, v: str | None) -> str | None:
        import re

        from tuner.config._errors import TRACKING_SECRET, TRACKING_URI  # merge-friendly: not in the import line
        from tuner.config.secrets import has_secret, redact_uri

        if v is not None and has_secret(v):
            raise ValueError(TRACKING_SECRET.format(got=redact_uri(v)))
        if v is not None and not re.match(r"^([A-Za-z][A-Za-z0-9+.-]*:|databricks$)", v):
            raise ValueError(TRACKING_URI.format(got=v))
        return v


class Experiment(_Frozen):
    """A whole experiment. ``model.params`` here is already merged with the named search space."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    data: DataConfig
    model: ModelConfig
    search: SearchConfig = SearchConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    trial: TrialConfig = TrialConfig()
    spark: SparkConfig = SparkConfig()
    ray: RayConfig = RayConfig()
    output: OutputConfig = OutputConfig()
    seed: int = 0
    tracking: TrackingConfig = TrackingConfig()


def is_space(value: Any) -> bool:
    """True if a param value is a search-space spec rather than a fixed value."""
    return isinstance(value, (UniformSpec, LogUniformSpec, IntSpec, LogIntSpec, ChoiceSpec))
