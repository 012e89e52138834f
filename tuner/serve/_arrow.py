"""Arrow columns to numpy without ``pyarrow.compute`` or pandas.

``ChunkedArray.to_numpy`` imports pandas' compatibility layer and ``ListArray.flatten`` imports
``pyarrow.compute``: together ~0.5 s of a fresh ``tuner recommend`` process, for work numpy does here in
microseconds. These helpers read the buffers through ``Array.to_numpy`` and the list offsets only.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["column_numpy", "list_numpy"]


_DTYPES = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
           pa.float32(): np.float32, pa.float64(): np.float64}


def _chunks(col) -> list:
    return col.chunks if isinstance(col, pa.ChunkedArray) else [col]


def _array_numpy(arr: pa.Array) -> np.ndarray:
    """One array's values: a view of its data buffer when it is a null-free int/float array (``to_numpy``
    may try pandas first), else ``to_numpy``."""
    dtype = _DTYPES.get(arr.type)
    if dtype is None or arr.null_count:
        return arr.to_numpy(zero_copy_only=False)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * np.dtype(dtype).itemsize)


def column_numpy(col) -> np.ndarray:
    """A primitive (non-null) column, chunked or not, as one numpy array."""
    parts = [_array_numpy(c) for c in _chunks(col)]
    return np.concatenate(parts) if len(parts) != 1 else parts[0]


def list_numpy(col) -> tuple[np.ndarray, np.ndarray]:
    """A list column as ``(lengths per row, all values in row order)``; a null list counts as empty."""
    lengths, values = [], []
    for chunk in _chunks(col):
        offsets = _array_numpy(chunk.offsets)
        lengths.append(np.diff(offsets))
        values.append(_array_numpy(chunk.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))))
    if not lengths:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(lengths), np.concatenate(values)
