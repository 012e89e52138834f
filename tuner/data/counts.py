"""Row accounting: how many rows were read, kept and dropped by reason (summary.json ``rows``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# Why a row is dropped; the first that applies wins, in this order.
REASONS = ("malformed", "missing_value", "non_numeric", "rating_out_of_scale", "duplicate")


@dataclass(frozen=True)
class RowCounts:
    """How many rating rows were read, kept, and dropped by reason (all of ``REASONS``, zeros included).

    Attributes:
        read: rating rows in the source (headers and blank lines are not rows).
        kept: rows left after cleaning.
        dropped: rows dropped, by reason.
    """

    reasons: ClassVar[tuple[str, ...]] = REASONS
    read: int
    kept: int
    dropped: dict[str, int]

    def __post_init__(self):
        if set(self.dropped) != set(self.reasons) or self.read != self.kept + sum(self.dropped.values()):
            raise AssertionError(f"row accounting is off: {self.as_dict()}")

    def as_dict(self) -> dict:
        """Returns: ``{"read": ..., "kept": ..., "dropped": {reason: n}}`` (a copy)."""
        return {"read": self.read, "kept": self.kept, "dropped": dict(self.dropped)}
