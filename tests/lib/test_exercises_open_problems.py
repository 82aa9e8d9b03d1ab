"""Checkers of the open-problems chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def plateaus(t, L, threshold, *, relative=True, median=True, floor=1e-10):
    t, L = np.asarray(t), np.asarray(L)
    rate = np.abs(np.diff(L)) / np.diff(t)
    if relative:
        rate = rate / L[:-1]
    rest = (L[:-1] > floor) & (rate < threshold)
    out, j = [], 0
    while j < rest.size:
        if not rest[j]:
            j += 1
            continue
        k = j
        while k + 1 < rest.size and rest[k + 1]:
            k += 1
        seg = L[j:k + 2]
        out.append(float(np.median(seg) if median else np.mean(seg)))
        j = k + 1
    return out


def huber_time(sigma, delta, u0):
    b = sigma - delta
    if b >= sigma / 2:
        return np.log(sigma / (2 * u0)) / (2 * delta)
    if b <= u0:
        return np.log((sigma - u0) / u0) / (2 * sigma)
    return np.log(b / u0) / (2 * delta) + np.log(delta / b) / (2 * sigma)


def period(x, tol, max_period):
    x = np.asarray(x)
    for p in range(1, max_period + 1):
        if x.size >= 2 * p and np.all(np.abs(x[p:] - x[:-p]) <= tol):
            return p
    return 0


def stub(*args):
    raise NotImplementedError("fill in")


def test_stubs_are_not_yet_implemented():
    for check in (dl.exercises.check_plateau_levels, dl.exercises.check_huber_half_time, dl.exercises.check_orbit_period):
        res = check(stub)
        assert not res.passed and "NotImplementedError" in res.message and "write the function" in res.message
        assert str(res).startswith("Not yet")


def test_check_plateau_levels():
    assert dl.exercises.check_plateau_levels(plateaus).passed
    assert dl.exercises.check_plateau_levels(lambda t, L, thr: plateaus(t, L, thr, median=False)).passed
    res = dl.exercises.check_plateau_levels(lambda t, L, thr: plateaus(t, L, thr, relative=False))
    assert not res.passed and "relative" in res.message
    res = dl.exercises.check_plateau_levels(lambda t, L, thr: plateaus(t, L, thr, floor=-1.0))
    assert not res.passed and "decayed to 0" in res.message
    res = dl.exercises.check_plateau_levels(lambda t, L, thr: plateaus(t, L, thr)[::-1])
    assert not res.passed and "time order" in res.message
    res = dl.exercises.check_plateau_levels(lambda t, L, thr: "seven")
    assert not res.passed and "numbers" in res.message


def test_check_huber_half_time():
    assert dl.exercises.check_huber_half_time(huber_time).passed
    res = dl.exercises.check_huber_half_time(lambda s, d, u0: 2 * huber_time(s, d, u0))
    assert not res.passed and "2 delta" in res.message
    res = dl.exercises.check_huber_half_time(lambda s, d, u0: np.log((s - u0) / u0) / (2 * s))
    assert not res.passed and "clipped" in res.message
    res = dl.exercises.check_huber_half_time(lambda s, d, u0: np.log(s / (2 * u0)) / (2 * d))
    assert not res.passed and "logistic law" in res.message
    res = dl.exercises.check_huber_half_time(lambda s, d, u0: [1.0, 2.0])
    assert not res.passed and "one number" in res.message


def test_check_orbit_period():
    assert dl.exercises.check_orbit_period(period).passed
    res = dl.exercises.check_orbit_period(lambda x, tol, m: 2 * period(x, tol, m) if period(x, tol, m) else 0)
    assert not res.passed and "not the smallest" in res.message
    res = dl.exercises.check_orbit_period(lambda x, tol, m: 1)
    assert not res.passed
    res = dl.exercises.check_orbit_period(lambda x, tol, m: period(x[-8:], tol, m) or 0)
    assert not res.passed and "transient" not in res.message and "1 + 0.5^n" in res.message
    res = dl.exercises.check_orbit_period(lambda x, tol, m: 0.5)
    assert not res.passed and "integer" in res.message
