"""An ALS export written with pyarrow in the layout the Spark writer uses (tuner.serve.layout), for no-JVM tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tuner.serve import layout


def _factor_folder(folder: Path, ids: np.ndarray, matrix: np.ndarray, parts: int = 2) -> None:
    folder.mkdir(parents=True)
    rank = matrix.shape[1]
    for p, idx in enumerate(np.array_split(np.arange(len(ids)), parts)):  # part files, ids not sorted
        feats = pa.ListArray.from_arrays(pa.array(np.arange(len(idx) + 1, dtype=np.int32) * rank),
                                         pa.array(matrix[idx].ravel(), pa.float32()))
        pq.write_table(pa.table({"id": pa.array(ids[idx], pa.int32()), "features": feats}),
                       folder / f"part-{p:05d}-x.snappy.parquet")
    (folder / "_SUCCESS").touch()


def write_export(root: Path, users: np.ndarray, items: np.ndarray, U: np.ndarray, V: np.ndarray,
                 seen: dict[int, list[int]], popular: list[tuple[int, int]], rows_per_group: int = 2) -> Path:
    """A model folder: model_card.json, spark-als/{userFactors,itemFactors}, seen/, popular.parquet."""
    native = root / layout.NATIVE_DEFAULT
    _factor_folder(native / layout.USER_FACTORS, users, U)
    _factor_folder(native / layout.ITEM_FACTORS, items, V)
    (root / layout.SEEN).mkdir()
    order = sorted(seen)
    pq.write_table(pa.table({"user": pa.array(order, pa.int32()),
                             "items": pa.array([seen[u] for u in order], pa.list_(pa.int32()))}),
                   root / layout.SEEN / "part-00000.parquet", row_group_size=rows_per_group)
    pq.write_table(pa.table({"item": pa.array([i for i, _ in popular], pa.int32()),
                             "count": pa.array([c for _, c in popular], pa.int64())}), root / layout.POPULAR)
    (root / layout.MODEL_CARD).write_text(json.dumps({"model_type": "spark-als", "path": str(native)}))
    return root
