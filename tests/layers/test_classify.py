"""Classification bounds, class indexes and colour cuts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layers.classify import METHODS, classify


def _check_consistent(values: list[float | None], result_method: str, k: int) -> None:
    result = classify(values, result_method, k)  # type: ignore[arg-type]
    assert list(result.bounds) == sorted(set(result.bounds))
    finite = [v for v in values if v is not None and not math.isnan(v)]
    assert result.bounds[-1] == max(finite)
    assert sum(result.counts) == len(finite)
    for value, index in zip(values, result.class_index, strict=True):
        if value is None or math.isnan(value):
            assert index == -1
            continue
        # value lies in (lower, upper] of its class; the first class includes the minimum
        assert value <= result.bounds[index]
        if index > 0:
            assert value > result.bounds[index - 1]
        # the colour cuts reproduce the class of every value
        assert sum(1 for cut in result.cuts if value > cut) == index


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("k", [3, 5, 7])
def test_every_method_gives_consistent_classes(method: str, k: int) -> None:
    rng = np.random.default_rng(k)
    values: list[float | None] = [float(v) for v in rng.lognormal(8, 1.2, 53).round(1)]
    values[3] = None
    values[10] = math.nan
    _check_consistent(values, method, k)


def test_quantiles_split_into_equal_counts() -> None:
    result = classify([float(v) for v in range(1, 11)], "quantiles", 5)
    assert result.bounds == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert result.counts == (2, 2, 2, 2, 2)
    assert result.class_index == (0, 0, 1, 1, 2, 2, 3, 3, 4, 4)
    assert result.minimum == 1.0
    assert result.lower_bounds == pytest.approx((1.0, 2.8, 4.6, 6.4, 8.2))


def test_equal_interval_bounds() -> None:
    result = classify([0.0, 1.0, 2.0, 9.0, 10.0], "equal_interval", 5)
    assert result.bounds == (2.0, 4.0, 6.0, 8.0, 10.0)
    assert result.counts == (3, 0, 0, 0, 2)
    # empty classes get a zero-width colour band
    assert result.cuts == (5.5, 5.5, 5.5, 5.5)


def test_natural_breaks_find_the_obvious_groups() -> None:
    values = [1.0, 1.1, 1.2, 5.0, 5.2, 5.1, 20.0, 21.0, 19.5]
    for method in ("natural_breaks", "fisher_jenks", "jenks_caspall"):
        result = classify(values, method, 3)  # type: ignore[arg-type]
        assert result.bounds == (1.2, 5.2, 21.0), method
        assert result.cuts == (pytest.approx(3.1), pytest.approx(12.35))


def test_value_on_a_bound_belongs_to_the_lower_class() -> None:
    result = classify([1.0, 2.0, 3.0, 4.0], "fisher_jenks", 2)
    assert result.bounds == (2.0, 4.0)
    assert result.class_index == (0, 0, 1, 1)
    assert result.cuts == (2.5,)


def test_fewer_distinct_values_than_classes() -> None:
    result = classify([3.0, 3.0, 7.0], "quantiles", 5)
    assert result.k == 2
    assert result.bounds == (3.0, 7.0)
    assert result.class_index == (0, 0, 1)


def test_all_values_equal_gives_one_class() -> None:
    result = classify([4.0, 4.0, None], "natural_breaks", 5)
    assert result.bounds == (4.0,)
    assert result.class_index == (0, 0, -1)
    assert result.cuts == ()


def test_no_values() -> None:
    result = classify([None, math.nan], "quantiles", 5)
    assert result.k == 0
    assert result.minimum is None
    assert result.class_index == (-1, -1)
    assert result.lower_bounds == ()


def test_large_input_uses_fast_natural_breaks() -> None:
    values = np.random.default_rng(1).lognormal(8, 1.2, 11_000)
    result = classify(values, "natural_breaks", 7)
    assert result.k == 7
    assert sum(result.counts) == 11_000


@pytest.mark.parametrize(("method", "k"), [("median", 5), ("quantiles", 0), ("quantiles", 10)])
def test_bad_arguments_are_refused(method: str, k: int) -> None:
    with pytest.raises(ValueError, match=r"method|classes"):
        classify([1.0, 2.0], method, k)  # type: ignore[arg-type]
