"""Checkers of the chapter on critical points accept right answers and explain wrong ones."""

import itertools

import numpy as np

import deeplinear as dl


def ladder(singular_values, d_min):
    s = [x for x in singular_values if x > 0]
    total = 0.5 * sum(x * x for x in s)
    values = {round(total - 0.5 * sum(x * x for x in T), 12)
              for c in range(min(len(s), d_min) + 1) for T in itertools.combinations(s, c)}
    return sorted(values)


def representative(subset, singular_values, widths):
    h = len(widths) - 1
    W = [np.zeros((widths[i + 1], widths[i])) for i in range(h)]
    for pos, k in enumerate(sorted(subset)):
        a = singular_values[k - 1] ** (1.0 / h)
        # in a hidden layer too narrow for the largest learnt index, the modes move to 0, 1, ...
        hidden = [k - 1 if max(subset) <= widths[i] else pos for i in range(1, h)]
        coords = [k - 1] + hidden + [k - 1]
        for i in range(h):
            W[i][coords[i + 1], coords[i]] = a
    return W


def test_check_critical_values_accepts_the_right_ladder():
    res = dl.exercises.check_critical_values(ladder)
    assert res.passed and "dl.critical_values" in res.message
    assert str(res).startswith("Correct")


def test_check_critical_values_names_the_mistake():
    def no_rank_bound(s, d_min):
        return ladder(s, len(s))

    res = dl.exercises.check_critical_values(no_rank_bound)
    assert not res.passed and "rank bound" in res.message and "d_min = 2" in res.message

    res = dl.exercises.check_critical_values(lambda s, d: [2 * v for v in ladder(s, d)])
    assert not res.passed and "factor 1/2" in res.message

    def learnt_energy(s, d_min):
        total = 0.5 * sum(x * x for x in s)
        return sorted(total - v for v in ladder(s, d_min))

    res = dl.exercises.check_critical_values(learnt_energy)
    assert not res.passed and "NOT in S" in res.message

    def with_repeats(s, d_min):
        pos = [x for x in s if x > 0]
        total = 0.5 * sum(x * x for x in pos)
        return sorted(total - 0.5 * sum(x * x for x in T)
                      for c in range(min(len(pos), d_min) + 1) for T in itertools.combinations(pos, c))

    res = dl.exercises.check_critical_values(with_repeats)
    assert not res.passed and "each value once" in res.message and "2, 2, 1" in res.message

    res = dl.exercises.check_critical_values(lambda s, d: ladder(s, d)[::-1])
    assert not res.passed and "increasing order" in res.message

    res = dl.exercises.check_critical_values(lambda s, d: "seven")
    assert not res.passed and "not a list of numbers" in res.message


def test_check_critical_values_reports_the_stub():
    def stub(s, d_min):
        raise NotImplementedError("fill in ladder")

    res = dl.exercises.check_critical_values(stub)
    assert not res.passed and "NotImplementedError" in res.message and str(res).startswith("Not yet")


def test_reference_representative_matches_the_library():
    for S, s, d in [((1, 3), (3.0, 2.0, 1.0), (3, 4, 2, 3)), ((2,), (3.0, 2.0), (2, 1, 2))]:
        Sigma = np.zeros((d[-1], d[0]))
        Sigma[np.arange(len(s)), np.arange(len(s))] = s
        ours = representative(S, s, d)
        lib = dl.critical_point(S, Sigma, d).weights
        assert all(np.allclose(a, b) for a, b in zip(ours, lib))


def test_check_balanced_representative_accepts_the_right_answer():
    res = dl.exercises.check_balanced_representative(representative)
    assert res.passed and "balanced and critical" in res.message


def test_check_balanced_representative_names_the_mistake():
    def no_renumbering(subset, s, widths):
        h = len(widths) - 1
        W = [np.zeros((widths[i + 1], widths[i])) for i in range(h)]
        for k in subset:
            for i in range(h):
                if k - 1 < min(W[i].shape):
                    W[i][k - 1, k - 1] = s[k - 1] ** (1.0 / h)
        return W

    res = dl.exercises.check_balanced_representative(no_renumbering)
    assert not res.passed and "first free coordinates" in res.message

    def rescaled(subset, s, widths):  # same product, off the balanced point: (2 W_1, W_2 / 2, ...)
        W = representative(subset, s, widths)
        return [2.0 * W[0], W[1] / 2.0] + W[2:]

    res = dl.exercises.check_balanced_representative(rescaled)
    assert not res.passed and "not balanced" in res.message

    res = dl.exercises.check_balanced_representative(lambda S, s, d: representative(S, s, d)[:-1])
    assert not res.passed and "return h =" in res.message

    res = dl.exercises.check_balanced_representative(lambda S, s, d: [w.T for w in representative(S, s, d)])
    assert not res.passed and "shape" in res.message

    def wrong_product(subset, s, widths):
        return representative(tuple(k for k in (1,) if k not in subset) or (2,), s, widths)

    res = dl.exercises.check_balanced_representative(wrong_product)
    assert not res.passed and "should be Sigma_S" in res.message


def test_check_balanced_representative_reports_the_stub():
    def stub(subset, s, widths):
        raise NotImplementedError("fill in balanced_critical_point")

    res = dl.exercises.check_balanced_representative(stub)
    assert not res.passed and "NotImplementedError" in res.message
