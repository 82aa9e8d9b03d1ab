"""Checkers of the incremental-learning chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def ladder(s):
    s = sorted(s, reverse=True)
    return [0.5 * sum(x * x for x in s[m:]) for m in range(len(s) + 1)]


def half_times(W1, W2, s, order_by_sigma=True, orthogonalise=True):
    s = np.asarray(s, dtype=float)
    o = np.argsort(-s) if order_by_sigma else np.arange(s.size)
    V = np.column_stack([W1[:, k] + W2[k, :] for k in o])
    u = np.diag(np.linalg.qr(V, mode="r")) ** 2 / 4 if orthogonalise else (V**2).sum(0) / 4
    out = np.empty(s.size)
    out[o] = np.log((s[o] - u) / u) / (2 * s[o])
    return out


def test_check_plateau_ladder():
    assert dl.exercises.check_plateau_ladder(ladder).passed
    res = dl.exercises.check_plateau_ladder(lambda s: ladder(s)[:-1])
    assert not res.passed and "both ends" in res.message
    res = dl.exercises.check_plateau_ladder(lambda s: [2 * v for v in ladder(s)])
    assert not res.passed and "1/2" in res.message
    res = dl.exercises.check_plateau_ladder(lambda s: ladder(s)[::-1])
    assert not res.passed and "order" in res.message
    res = dl.exercises.check_plateau_ladder(lambda s: [0.5 * sum(x * x for x in s[m:]) for m in range(len(s) + 1)])
    assert not res.passed and "largest singular value" in res.message


def test_check_plateau_ladder_reports_the_stub():
    def stub(s):
        raise NotImplementedError("fill in")

    res = dl.exercises.check_plateau_ladder(stub)
    assert not res.passed and "NotImplementedError" in str(res)


def test_check_random_half_times():
    assert dl.exercises.check_random_half_times(half_times).passed
    res = dl.exercises.check_random_half_times(lambda W1, W2, s: half_times(W1, W2, s, orthogonalise=False))
    assert not res.passed and "components along" in res.message
    res = dl.exercises.check_random_half_times(lambda W1, W2, s: half_times(W1, W2, s, order_by_sigma=False))
    assert not res.passed and "decreasing order" in res.message
    res = dl.exercises.check_random_half_times(lambda W1, W2, s: half_times(W1, W2, s)[:-1])
    assert not res.passed and "one per singular value" in res.message
