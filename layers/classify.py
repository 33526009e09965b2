"""Classification of numeric values into map classes (thin wrappers around mapclassify).

A choropleth shows *classes*, not a continuous ramp. :func:`classify` returns the upper
bound of each class, the class of every value and, for drawing, ``cuts``: one value strictly
between neighbouring classes, so a step colour scale over the raw values colours every value
exactly like its class (mapclassify puts a value equal to a bound into the lower class, which a
colour scale with the step *at* the bound cannot reproduce).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import mapclassify
import numpy as np
import numpy.typing as npt

Method = Literal["quantiles", "equal_interval", "natural_breaks", "fisher_jenks", "jenks_caspall"]

METHODS: Final[tuple[Method, ...]] = (
    "quantiles",
    "equal_interval",
    "natural_breaks",
    "fisher_jenks",
    "jenks_caspall",
)
MIN_CLASSES: Final = 1
MAX_CLASSES: Final = 9
# Exact Fisher-Jenks is O(k·n²) in pure Python (no numba here): fine for a district,
# too slow for all of Germany. Above this size "natural_breaks" uses Jenks-Caspall.
FISHER_JENKS_MAX_VALUES: Final = 300


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    ``bounds[i]`` is the inclusive upper bound of class ``i`` (strictly increasing, the last
    one is the maximum); ``class_index[j]`` is the class of value ``j`` or ``-1`` when the value
    is missing (None/NaN); ``counts[i]`` is the number of values in class ``i``; ``cuts[i]``
    lies strictly between the largest value of classes ``<= i`` and the smallest of classes
    ``> i``.
    """

    method: Method
    minimum: float | None
    bounds: tuple[float, ...]
    class_index: tuple[int, ...]
    counts: tuple[int, ...]
    cuts: tuple[float, ...]

    @property
    def k(self) -> int:
        """Number of classes actually used (may be fewer than requested)."""
        return len(self.bounds)

    @property
    def lower_bounds(self) -> tuple[float, ...]:
        """Exclusive lower bound of each class; the first class starts at ``minimum``."""
        if self.minimum is None:
            return ()
        return (self.minimum, *self.bounds[:-1])


def _as_array(values: Sequence[float | None] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def _raw_bins(finite: npt.NDArray[np.float64], method: Method, k: int) -> npt.NDArray[np.float64]:
    if method == "natural_breaks":
        method = "fisher_jenks" if finite.size <= FISHER_JENKS_MAX_VALUES else "jenks_caspall"
    with warnings.catch_warnings():
        # "Numba not installed" and "not enough unique values" are expected and handled.
        warnings.simplefilter("ignore")
        if method == "quantiles":
            classifier = mapclassify.Quantiles(finite, k=k)
        elif method == "equal_interval":
            classifier = mapclassify.EqualInterval(finite, k=k)
        elif method == "fisher_jenks":
            classifier = mapclassify.FisherJenks(finite, k=k)
        else:
            classifier = mapclassify.JenksCaspall(finite, k=k)
    return np.asarray(classifier.bins, dtype=np.float64)


def classify(
    values: Sequence[float | None] | npt.NDArray[np.float64], method: Method, k: int
) -> Classification:
    """Classify ``values`` into at most ``k`` classes with ``method``.

    Missing values (None/NaN) get class ``-1`` and are ignored. Fewer distinct values than
    ``k`` give fewer classes (one per distinct value). Raises :class:`ValueError` for an
    unknown method or ``k`` outside 1–9.
    """
    if method not in METHODS:
        raise ValueError(f"unknown classification method {method!r}")
    if not MIN_CLASSES <= k <= MAX_CLASSES:
        raise ValueError(f"number of classes must be {MIN_CLASSES}–{MAX_CLASSES}, got {k}")
    array = _as_array(values)
    present = np.isfinite(array)
    finite = array[present]
    if finite.size == 0:
        return Classification(method, None, (), tuple([-1] * array.size), (), ())

    unique = np.unique(finite)
    if unique.size == 1 or (unique.size < k and method != "equal_interval"):
        bins = unique
    else:
        bins = np.unique(np.clip(_raw_bins(finite, method, k), unique[0], unique[-1]))
        bins[-1] = unique[-1]  # the last class always ends at the maximum

    index = np.full(array.size, -1, dtype=np.int64)
    index[present] = np.searchsorted(bins, finite, side="left")
    counts = np.bincount(index[present], minlength=bins.size)

    cuts = []
    for bound in bins[:-1]:
        below = unique[unique <= bound]
        above = unique[unique > bound]
        low = below[-1] if below.size else unique[0]
        cuts.append(float((low + above[0]) / 2.0))

    return Classification(
        method=method,
        minimum=float(unique[0]),
        bounds=tuple(float(b) for b in bins),
        class_index=tuple(index.tolist()),
        counts=tuple(counts.tolist()),
        cuts=tuple(cuts),
    )
