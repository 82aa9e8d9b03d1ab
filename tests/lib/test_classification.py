"""Tests of deeplinear.classification: global minima, strict and non-strict saddles, descent directions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import deeplinear as dl


S32 = np.diag([3.0, 2.0])


Z2, I2 = np.zeros((2, 2)), np.eye(2)


def _fit_matches(W, Sigma, descent):
    fit = dl.fit_descent_order(W, Sigma, descent)
    assert fit.order == pytest.approx(descent.order, abs=0.02)
    assert fit.rate == pytest.approx(descent.rate, rel=0.02)
    return fit


def test_claim12_origin_h2_is_strict():
    c = dl.classify([Z2, Z2], S32)
    assert c.kind == "strict saddle" and c.hessian_conclusive
    assert c.lambda_min == pytest.approx(-3) and c.lambda_max == pytest.approx(3)
    assert (c.inertia.negative, c.inertia.zero, c.inertia.positive) == (4, 0, 4)
    assert c.value == 6.5 and c.subset == ()
    assert c.descent.order == 2 and c.descent.rate == pytest.approx(1.5)
    _fit_matches([Z2, Z2], S32, c.descent)


@pytest.mark.parametrize("h", [3, 4, 5])
def test_claim13_origin_deep_is_non_strict_with_order_h_descent(h):
    W = [Z2] * h
    c = dl.classify(W, S32)
    assert c.kind == "non-strict saddle" and not c.hessian_conclusive
    assert c.lambda_min == 0 == c.lambda_max and c.null_dim == 4 * h
    assert c.orbit_dim == 0 and c.unexplained_null_dim == 4 * h  # the symmetry explains nothing here
    d = c.descent
    assert (d.order, d.rate, d.layers) == (h, 3.0, tuple(range(1, h + 1)))
    _fit_matches(W, S32, d)
    assert "Kawaguchi" in c.reason and "non-strict" in repr(c)


def test_claim14_rank_deficient_top_saddle_h2_is_strict():
    a = np.diag([math.sqrt(3), 0])
    c = dl.classify([a, a], S32)
    assert c.kind == "strict saddle" and c.value == 2 and c.subset == (1,)
    assert c.lambda_min == pytest.approx(-2, abs=1e-12)


@pytest.mark.parametrize("widths", [(2, 2, 2, 2), (2, 2, 2, 2, 2), (2, 3, 3, 2), (2, 2, 3, 2)])
def test_claim15_balanced_top_saddle_is_non_strict(widths):
    h = len(widths) - 1
    cp = dl.critical_point((1,), S32, widths)
    if widths == (2, 2, 2, 2):
        np.testing.assert_allclose(cp.weights[0], np.diag([3 ** (1 / 3), 0]))
    c = dl.classify(cp.weights, S32)
    assert c.kind == "non-strict saddle"
    assert c.inertia.negative == 0 and abs(c.lambda_min) < 1e-12 and c.null_dim > c.orbit_dim
    # higher-order descent through every layer: the unlearnt mode 2, order h, rate sigma_2
    assert (c.descent.order, c.descent.layers) == (h, tuple(range(1, h + 1)))
    assert c.descent.rate == pytest.approx(2.0)
    _fit_matches(cp.weights, S32, c.descent)


def test_claim16_strictness_varies_within_a_fibre():
    c0 = dl.classify([Z2, Z2, Z2], S32)
    c1 = dl.classify([Z2, I2, Z2], S32)
    assert c0.value == c1.value == 6.5
    assert c0.kind == "non-strict saddle" and c1.kind == "strict saddle"
    assert c1.lambda_min == pytest.approx(-3, abs=1e-12)
    a = np.diag([math.sqrt(3), 0])
    balanced = dl.critical_point((1,), S32, (2, 2, 2, 2))
    c2 = dl.classify([a, I2, a], S32)
    c3 = dl.classify(balanced.weights, S32)
    assert c2.value == pytest.approx(c3.value) and c2.value == pytest.approx(2)
    assert c2.kind == "strict saddle" and c2.lambda_min == pytest.approx(-2, abs=1e-12)
    assert c3.kind == "non-strict saddle"
    # but the GL orbit keeps the inertia (Sylvester): strictness changes only across orbits
    fs = dl.sample_fiber([a, I2, a], S32, np.random.default_rng(0), n=3, scale=1.0)
    assert {dl.classify(p, S32).kind for p in fs.points} == {"strict saddle"}


@pytest.mark.parametrize("h, lam", [(2, -3.0), (3, -1.2599), (4, -1.4142)])
def test_claim17_non_top_saddles_are_strict(h, lam):
    cp = dl.critical_point((2,), S32, (2,) * (h + 1))
    c = dl.classify(cp.weights, S32)
    assert c.kind == "strict saddle"
    assert c.lambda_min == pytest.approx(lam, abs=1e-4)
    if h > 2:  # the rotation between modes 1 and 2: -sigma_2^((h-2)/h) (sigma_1 - sigma_2)
        assert c.lambda_min == pytest.approx(-(2 ** ((h - 2) / h)) * (3 - 2), rel=1e-10)
    assert dl.predicted_strictness(cp.weights, S32).rule.startswith("S is not a top set")


@pytest.mark.parametrize("h, nullity, lam", [(2, 4, 6.0), (3, 8, 12.9802)])
def test_claim18_minima_classified_with_their_null_space(h, nullity, lam):
    cp = dl.critical_point((1, 2), S32, (2,) * (h + 1))
    c = dl.classify(cp.weights, S32)
    assert c.kind == "global minimum" and c.descent is None
    assert c.null_dim == nullity == c.orbit_dim  # the symmetry explains the whole null space
    assert c.lambda_max == pytest.approx(lam, abs=1e-4)


def test_classify_rejects_non_critical_points_naming_the_gradient():
    e1, e2 = I2
    with pytest.raises(ValueError, match=r"gradient norm is 3\.6"):
        dl.classify([np.outer(e1, e1), np.outer(e2, e2)], S32)  # claim 32: a fibre point, not critical
    with pytest.raises(ValueError, match="critical point"):
        dl.predicted_strictness([I2, I2], S32)
    with pytest.raises(ValueError, match="global minimum"):
        dl.predicted_strictness(dl.critical_point((1, 2), S32, (2, 2, 2)).weights, S32)


def test_classification_renders():
    c = dl.classify([Z2, I2, Z2], S32)
    html = c._repr_html_()
    assert "strict saddle" in html and "<table>" in html
    assert "DescentDirection" in repr(c.descent)


def test_corrected_rule_h4_counterexample():
    e1, e2 = I2
    W = [np.outer(e1, e1), Z2, Z2, np.outer(e2, e1)]
    assert dl.is_critical(W, S32)
    assert np.all(dl.hessian(W, S32) == 0)  # perturbing W_2, W_3 raises the rank, yet H = 0
    c = dl.classify(W, S32)
    assert c.kind == "non-strict saddle"
    assert not dl.predicted_strictness(W, S32).strict
    # descent of order 3 through layers 2, 3, 4 (fewer than h = 4 layers)
    assert (c.descent.order, c.descent.layers) == (3, (2, 3, 4))
    _fit_matches(W, S32, c.descent)


@pytest.mark.parametrize(
    "W, strict",
    [
        ([Z2, I2, Z2], True),
        ([Z2, Z2, Z2], False),
        ([np.diag([math.sqrt(3), 0]), I2, np.diag([math.sqrt(3), 0])], True),
        ([np.diag([3 ** (1 / 3), 0])] * 3, False),
    ],
)
def test_corrected_rule_on_the_digest_examples(W, strict):
    p = dl.predicted_strictness(W, S32)
    assert p.strict == strict == (dl.classify(W, S32).kind == "strict saddle")
    if strict:
        assert p.witness is not None and "rank" in p.rule


def _random_critical_point(seed):
    """A critical point built from a learnt block (any factorisation of each learnt mode) and a
    junk block on the unlearnt coordinates (random low-rank layers, some of them zero), then
    possibly moved along its GL orbit. Criticality is checked by the caller."""
    rng = np.random.default_rng(seed)
    h = int(rng.integers(2, 6))
    q = int(rng.integers(1, 4))
    d = [q] + [int(rng.integers(1, 4)) for _ in range(h - 1)] + [q]
    sig = np.sort(rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=q, replace=False))[::-1]
    k = int(rng.integers(0, min(min(d), q) + 1))
    sub = sorted(rng.choice(np.arange(1, q + 1), size=k, replace=False).tolist())
    W = [np.zeros((d[i + 1], d[i])) for i in range(h)]
    pos = [{m: m - 1 for m in range(1, q + 1)}] + [{m: j for j, m in enumerate(sub)}] * (h - 1) + [{m: m - 1 for m in range(1, q + 1)}]
    for m in sub:
        f = rng.uniform(0.5, 2, size=h) * rng.choice([-1, 1], size=h)
        f[-1] = sig[m - 1] / np.prod(f[:-1])
        for i in range(h):
            W[i][pos[i + 1][m], pos[i][m]] = f[i]
    junk = [m - 1 for m in range(1, q + 1) if m not in sub]
    coords = [junk] + [list(range(k, d[i])) for i in range(1, h)] + [junk]
    zero = set(rng.choice(h, size=min(h, int(rng.integers(0, 3))), replace=False).tolist())
    for i in range(h):
        r, c = coords[i + 1], coords[i]
        if i in zero or not r or not c:
            continue
        U, s, Vt = np.linalg.svd(rng.standard_normal((len(r), len(c))))
        rank = int(rng.integers(0, min(len(r), len(c)) + 1))
        B = (U[:, :rank] * s[:rank]) @ Vt[:rank]
        W[i][np.ix_(r, c)] = np.round(B) if rng.random() < 0.5 else B
    if rng.random() < 0.5:
        W = dl.gl_action(W, dl.random_gl(tuple(d), rng))
    return W, np.diag(sig)


@given(st.integers(0, 2**31 - 1))
def test_property_corrected_rule_agrees_with_the_hessian(seed):
    W, Sigma = _random_critical_point(seed)
    assume(dl.is_critical(W, Sigma))
    c = dl.classify(W, Sigma)
    assume(c.kind != "global minimum")
    assert dl.predicted_strictness(W, Sigma).strict == (c.kind == "strict saddle")
    if c.kind == "non-strict saddle":
        assert c.descent is not None and c.descent.order >= 3
        _fit_matches(W, Sigma, c.descent)


def test_rule_agrees_on_a_fixed_batch_of_random_critical_points():
    kinds = {}
    for seed in range(150):
        W, Sigma = _random_critical_point(seed)
        if not dl.is_critical(W, Sigma):
            continue
        c = dl.classify(W, Sigma)
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
        if c.kind != "global minimum":
            assert dl.predicted_strictness(W, Sigma).strict == (c.kind == "strict saddle"), seed
    assert min(kinds.values()) >= 10 and len(kinds) == 3


def test_classification_prints_eigenvalues_below_the_threshold_as_zero():
    # h = 3, only sigma_1 learnt: PSD Hessian whose smallest eigenvalue is rounding noise
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1,), Sigma, (3, 3, 3, 3))
    c = dl.classify(cp.weights, Sigma)
    assert c.kind == "non-strict saddle"
    line = next(l for l in repr(c).splitlines() if "lambda_min, lambda_max" in l)
    assert line.split(":", 1)[1].strip().startswith("0, 12.9802 (|lambda| <= "), line


# --------------------------------------------------------------------------- the strictness theorem
# The second-order chapter's theorem: a critical point with learnt set S is a strict saddle iff S
# is not a top set or some pair of layers i < j has K_ij = W_{j+1:h}^T R W_{1:i-1}^T != 0 and
# rank W_{i+1:j-1} > |S|. The earlier rule asked, per unlearnt mode m, for W_{1:i-1} v_m != 0 and
# u_m^T W_{j+1:h} != 0 instead of K_ij != 0; the points below pass that per-mode test, yet K_23 = 0
# (two unlearnt modes cancel) and the Hessian is positive semidefinite.


def _cancelling_point(a, b, c, e, sig=(2.0, 1.0)):
    """h = 4, widths (2, 1, 1, 1, 2): W_2 = W_3 = 0, W_1 = (a, b), W_4 = (c, e)^T; critical for all values."""
    return [np.array([[a, b]]), np.zeros((1, 1)), np.zeros((1, 1)), np.array([[c], [e]])], np.diag(sig)


def test_strictness_rule_sees_modes_that_cancel():
    W, Sigma = _cancelling_point(1.0, -2.0, 1.0, 1.0)  # K_23 = W_4^T Sigma W_1^T = 2 - 2 = 0
    assert dl.is_critical(W, Sigma)
    assert np.all(np.linalg.eigvalsh(dl.hessian(W, Sigma)) >= -1e-12)
    assert dl.classify(W, Sigma).kind == "non-strict saddle"
    p = dl.predicted_strictness(W, Sigma)
    assert not p.strict and p.witness is None
    # without the cancellation the same pattern is strict, through the pair (2, 3)
    W, Sigma = _cancelling_point(1.0, -1.0, 1.0, 1.0)  # K_23 = 2 - 1 = 1
    assert dl.classify(W, Sigma).kind == "strict saddle"
    p = dl.predicted_strictness(W, Sigma)
    assert p.strict and p.witness == (2, 3)


@pytest.mark.parametrize("seed", range(12))
def test_strictness_rule_on_cancelling_points_moved_along_their_orbit(seed):
    rng = np.random.default_rng(seed)
    s1, s2 = 2.0 + rng.random(), 0.5 + rng.random()
    a, b, c = rng.uniform(0.5, 2.0, 3) * rng.choice([-1, 1], 3)
    e = -s1 * a * c / (s2 * b) if seed % 2 == 0 else rng.uniform(0.5, 2.0)  # even seeds cancel
    W, Sigma = _cancelling_point(a, b, c, e, (s1, s2))
    W = dl.gl_action(W, dl.random_gl((2, 1, 1, 1, 2), rng))
    assert dl.is_critical(W, Sigma)
    kind = dl.classify(W, Sigma).kind
    assert kind == ("non-strict saddle" if seed % 2 == 0 else "strict saddle")
    assert dl.predicted_strictness(W, Sigma).strict == (kind == "strict saddle")


def _pinv_form(W, Sigma, V):
    """||DP[V]||^2 - 2 <R, DP[V] P^+ DP[V]>: the Hessian's form when every pair with K_ij != 0 has rank M_ij = rank P."""
    pre, suf = dl.prefix_products(W), dl.suffix_products(W)
    P = pre[-1]
    D = sum(suf[j] @ V[j - 1] @ pre[j - 1] for j in range(1, len(W) + 1))
    return float(np.sum(D * D)) - 2.0 * float(np.sum((Sigma - P) * (D @ np.linalg.pinv(P) @ D)))


def test_hessian_form_is_the_pseudoinverse_form_when_no_pair_passes():
    # the identity at the heart of the theorem's proof, on the non-strict saddles among random
    # critical points (every learnt set, GL moves included), in random directions
    checked = 0
    for seed in range(150):
        W, Sigma = _random_critical_point(seed)
        if not dl.is_critical(W, Sigma) or dl.classify(W, Sigma).kind != "non-strict saddle":
            continue
        rng = np.random.default_rng(seed)
        for _ in range(3):
            V = [rng.standard_normal(w.shape) for w in W]
            assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx(_pinv_form(W, Sigma, V), rel=1e-9, abs=1e-9), seed
        checked += 1
    assert checked >= 10


def test_pseudoinverse_form_fails_where_a_pair_passes():
    # (0, I, 0): K_13 = Sigma != 0 and rank W_2 = 2 > 0, the form is not the Hessian's
    W = [Z2, I2, Z2]
    V = [I2, Z2, I2]
    assert dl.hessian_quadratic_form(W, S32, V) == pytest.approx(-2.0 * 5.0)  # -2 <Sigma, I>
    assert _pinv_form(W, S32, V) == pytest.approx(0.0)


def test_strictness_rule_on_cancelling_points_with_a_learnt_mode():
    # Sigma = diag(4, 3, 2, 1), S = {1} carried by the first coordinate of every layer; the
    # unlearnt block: a random W_1 part, a W_4 part X^T with X Sigma_N W_1^T = 0 (the modes cancel
    # in K_23) in two thirds of the trials, empty middle layers (spare rank 3 > |S| = 1 in M_23)
    from scipy.linalg import null_space

    rng = np.random.default_rng(7)
    d, S, SN = (4, 3, 3, 3, 4), np.diag([4.0, 3.0, 2.0, 1.0]), np.diag([3.0, 2.0, 1.0])
    kinds = {}
    for trial in range(24):
        W = [np.zeros((d[i + 1], d[i])) for i in range(4)]
        f = rng.uniform(0.5, 2, 4)
        f[-1] = 4.0 / np.prod(f[:-1])
        for i in range(4):
            W[i][0, 0] = f[i]
        W1 = rng.standard_normal((2, 3))
        n = null_space((SN @ W1.T).T).ravel()
        X = np.outer(rng.standard_normal(2), n) if trial % 3 else rng.standard_normal((2, 3))
        W[0][1:, 1:], W[3][1:, 1:] = W1, X.T
        W = dl.gl_action(W, dl.random_gl(d, rng))
        assert dl.is_critical(W, S)
        kind = dl.classify(W, S).kind
        kinds[kind] = kinds.get(kind, 0) + 1
        assert kind == ("strict saddle" if trial % 3 == 0 else "non-strict saddle"), trial
        assert dl.predicted_strictness(W, S).strict == (kind == "strict saddle"), trial
    assert kinds == {"strict saddle": 8, "non-strict saddle": 16}
