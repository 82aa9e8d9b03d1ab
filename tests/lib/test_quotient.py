"""Tests of deeplinear.quotient: the critical values, each once, and the lattice of learnt sets."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


@pytest.mark.parametrize(
    "widths, values, glob, gsets",
    [
        ((3, 3, 3), (0, 0.5, 2, 2.5, 4.5, 5, 6.5, 7), 0.0, ((1, 2, 3),)),
        ((3, 4, 2, 3), (0.5, 2, 2.5, 4.5, 5, 6.5, 7), 0.5, ((1, 2),)),
        ((3, 1, 3), (2.5, 5, 6.5, 7), 2.5, ((1,),)),
    ],
)
def test_claim7_critical_values_of_diag321(widths, values, glob, gsets):
    cv = dl.critical_values([3, 2, 1], widths)
    assert cv.values == pytest.approx(values, abs=0)
    assert cv.count == len(values)
    assert cv.global_minimum == glob and cv.values[0] == glob
    assert cv.global_minimum_subsets == gsets
    # count formula sum_{k <= min(r, d_min)} C(r, k) for generic singular values
    m = min(3, min(widths))
    assert cv.count == sum(math.comb(3, k) for k in range(m + 1)) == cv.n_admissible_subsets
    # every value is half the unlearnt energy of each of its subsets
    for v, subsets in cv:
        for S in subsets:
            assert v == 0.5 * sum(s**2 for k, s in enumerate([3, 2, 1], start=1) if k not in S)
            assert len(S) <= min(widths)
    assert cv.is_global_minimum(0) and not any(cv.is_global_minimum(i) for i in range(1, cv.count))


def test_critical_values_table_prints_and_renders():
    cv = dl.critical_values([3, 2, 1], (3, 4, 2, 3))
    text = repr(cv)
    assert "global minimum" in text and "{1,2}" in text and "∅" in text
    html = cv._repr_html_()
    assert html.count("<tr") == cv.count + 1
    assert cv.rows()[0] == {"value": 0.5, "subsets": ((1, 2),), "global_minimum": True}
    assert cv.value_of((1, 3)) == 2.0


def test_repeated_singular_values_share_one_value():
    cv = dl.critical_values([1, 1, math.sqrt(2)], (3, 3, 3))
    assert cv.values == pytest.approx((0, 0.5, 1, 1.5, 2))
    # value 1: learning sigma_3 = sqrt 2 alone, or sigma_1 and sigma_2 (energies 2 = 1 + 1)
    assert cv.subsets[2] == ((3,), (1, 2))
    assert cv.subsets[1] == ((1, 3), (2, 3))
    assert cv.count == 5 < cv.n_admissible_subsets == 8


def test_zero_singular_values_are_never_learnt():
    cv = dl.critical_values([2, 0, 1], (3, 3, 3))
    assert cv.rank == 2
    assert all(2 not in S for subsets in cv.subsets for S in subsets)
    assert cv.values == (0.0, 0.5, 2.0, 2.5)
    # all-zero target: one critical value, the empty set
    cz = dl.critical_values([0, 0], (2, 2))
    assert cz.values == (0.0,) and cz.subsets == (((),),)


def test_rectangular_sigma_and_critical_values_of_a_matrix():
    Sigma = np.array([[3.0, 0, 0, 0], [0, 1.0, 0, 0]])  # d_h = 2, d_0 = 4
    cv = dl.critical_values(Sigma, (4, 3, 2))
    assert cv.values == (0.0, 0.5, 4.5, 5.0)
    # a non-diagonal Sigma: singular values sorted decreasingly
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    s = np.linalg.svd(A, compute_uv=False)
    cv2 = dl.critical_values(A, (4, 3, 3))
    assert cv2.singular_values == pytest.approx(tuple(s))
    with pytest.raises(ValueError, match="at most min"):
        dl.critical_values([3, 2, 1], (2, 5, 3))


def test_k_smallest_matches_full_enumeration():
    rng = np.random.default_rng(3)
    for _ in range(10):
        s = rng.uniform(0.1, 5, size=int(rng.integers(1, 9)))
        widths = (len(s), int(rng.integers(1, len(s) + 1)), len(s))
        full = dl.critical_values(s, widths)
        for k in (1, 3, full.count, full.count + 5):
            part = dl.critical_values(s, widths, k=k)
            n = min(k, full.count)
            assert part.values == full.values[:n]
            assert part.subsets == full.subsets[:n]
            assert part.complete == (k >= full.count)


def test_k_smallest_large_problem_best_first():
    s = np.arange(30, 0, -1.0)  # 30 distinct singular values, rank bound 15
    cv = dl.critical_values(s, (30, 15, 30), k=20)
    assert cv.count == 20 and not cv.complete
    assert cv.values[0] == cv.global_minimum == 0.5 * sum(x**2 for x in range(1, 16))
    assert cv.global_minimum_subsets == (tuple(range(1, 16)),)
    # the second value swaps sigma_15 for sigma_16
    assert cv.subsets[1] == ((*range(1, 15), 16),)
    assert list(cv.values) == sorted(cv.values)
    # the full problem has too many subsets to list
    with pytest.raises(ValueError, match="max_subsets"):
        dl.critical_values(s, (30, 15, 30))


@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=7),
    st.integers(1, 7),
)
def test_property_values_are_the_unlearnt_energies(sig, dmin):
    s = np.array(sig, dtype=float)
    widths = (len(s), min(dmin, len(s)), len(s))
    cv = dl.critical_values(s, widths)
    pos = [k + 1 for k in range(len(s)) if s[k] > 0]
    m = min(len(pos), widths[1])
    brute = sorted({0.5 * sum(s[k - 1] ** 2 for k in pos if k not in S) for c in range(m + 1) for S in combinations(pos, c)})
    assert cv.values == pytest.approx(tuple(brute))
    assert cv.global_minimum == min(brute)
    every = [S for subsets in cv.subsets for S in subsets]
    assert len(every) == len(set(every)) == sum(math.comb(len(pos), c) for c in range(m + 1))


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ([-1, 2], ValueError, "non-negative"),
        ([[[1, 2]]], ValueError, "1-D"),
        ([[1, 2]], ValueError, "Sigma"),
        ("abc", TypeError, "sequence"),
        ([np.nan], ValueError, "finite"),
    ],
)
def test_critical_values_bad_input(bad, exc, match):
    with pytest.raises(exc, match=match):
        dl.critical_values(bad, (2, 2, 2))


def test_lattice_lists_every_set_with_its_value_and_the_rank_bound():
    lat = dl.learnt_set_lattice([3.0, 2.0, 1.0], (3, 4, 2, 3))
    assert lat.rank_bound == 2 and lat.rank == 3 and lat.positive == (1, 2, 3)
    assert len(lat.subsets) == 8
    by_set = dict(zip(lat.subsets, lat.values))
    assert by_set[()] == 7.0 and by_set[(1,)] == 2.5 and by_set[(1, 3)] == 2.0 and by_set[(1, 2, 3)] == 0.0
    assert [len(S) <= 2 for S in lat.subsets] == list(lat.admissible)
    # the admissible values are exactly the critical values of the core (claim 7, d_min = 2)
    admissible = sorted({v for v, ok in zip(lat.values, lat.admissible) if ok})
    assert admissible == list(dl.critical_values([3, 2, 1], (3, 4, 2, 3)).values)
    assert lat.global_minimum == 0.5
    assert [S for i, S in enumerate(lat.subsets) if lat.is_global_minimum(i)] == [(1, 2)]
    assert lat.top_chain() == ((), (1,), (1, 2))


def test_lattice_skips_zero_singular_values_and_orders_top_sets_by_value():
    lat = dl.learnt_set_lattice([1.0, 0.0, 3.0], (3, 3, 3))
    assert lat.positive == (3, 1)               # by decreasing singular value
    assert len(lat.subsets) == 4                # subsets of the two positive ones only
    assert lat.top_chain() == ((), (3,), (1, 3))
    assert lat.global_minimum == 0.0


def test_lattice_rejects_depth_one_and_huge_spectra():
    with pytest.raises(ValueError, match="depth h = 1"):
        dl.learnt_set_lattice([3.0, 2.0], (2, 2))
    with pytest.raises(ValueError, match="too many to draw"):
        dl.learnt_set_lattice(np.arange(7, 0, -1), (7, 7, 7))
    with pytest.raises(ValueError):
        dl.learnt_set_lattice([3.0, -1.0], (2, 2, 2))
