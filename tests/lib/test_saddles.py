"""Tests of deeplinear.saddles: classification, higher-order descent, strictness rule,
stable and unstable sets (rays, samples, flows from them), scalar networks.

Digest claims checked here: 12-17 (strict and non-strict saddles), 18 (minima), the
[CORRECTED] strictness rule of section 3.2 with its h = 4 counterexample, 23-25 (stable sets
and escape laws).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import deeplinear as dl

S32 = np.diag([3.0, 2.0])
SIGMA = np.diag([3.0, 2.0, 1.0])  # the running target of the chapter on stable and unstable sets
Z2, I2 = np.zeros((2, 2)), np.eye(2)


def _fit_matches(W, Sigma, descent):
    fit = dl.fit_descent_order(W, Sigma, descent)
    assert fit.order == pytest.approx(descent.order, abs=0.02)
    assert fit.rate == pytest.approx(descent.rate, rel=0.02)
    return fit


# --------------------------------------------------------------------------- claims 12-17


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


def test_bottleneck_minimum_and_orbit_tangent_in_null_space():
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 2), Sigma, (3, 4, 2, 3))
    c = dl.classify(cp.weights, Sigma)
    assert c.kind == "global minimum" and c.value == 0.5 == c.global_minimum_value
    from deeplinear.orbits import _orbit_tangent_matrix

    H = dl.hessian(cp.weights, Sigma)
    T = _orbit_tangent_matrix(list(cp.weights))
    assert np.max(np.abs(H @ T)) < 1e-12  # orbit directions are null directions
    assert dl.orbit_dimension(cp.weights) == c.orbit_dim == np.linalg.matrix_rank(T)
    assert dl.orbit_dimension([np.eye(3)] * 3) == 2 * 9  # invertible product: dim G


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


# --------------------------------------------------------------------------- strictness rule


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


# --------------------------------------------------------------------------- stable / unstable sets


def test_saddle_manifolds_rays_and_rates():
    Sigma = np.diag([3.0, 2.0, 1.0])
    man = dl.saddle_manifolds((1,), Sigma, (3, 3, 3, 3))
    assert (man.stable_dimension, man.unstable_dimension) == (3, 2)
    m1, m2, m3 = man.modes
    assert m1.learnt and m1.linear_rates[0] == pytest.approx(-3 * 3 ** (4 / 3))
    for m in (m2, m3):
        assert not m.learnt and m.available and m.linear_rates == (0.0,)
        assert len(m.stable_rays) == len(m.unstable_rays) == 4
        assert all(math.prod(s) < 0 for s in m.stable_rays) and (-1, -1, -1) in m.stable_rays
    # the rays are invariant: the flow's velocity at a ray point is along the ray
    W = man.ray_point(2, (1, 1, -1), 0.3)  # a stable ray (product of signs -1)
    g = dl.gradient(W, Sigma)
    E = man.mode_direction(2)
    for gi, Wi, Ei, s in zip(g, W, E, (1, 1, -1)):
        np.testing.assert_allclose(-gi, np.sum(-gi * Ei) * Ei, atol=1e-14)  # moves only the mode entry
        np.testing.assert_allclose(np.sum(-gi * Ei) * s, -(0.3**2) * (2 + 0.3**3), rtol=1e-12)  # d|a|/dt < 0
    np.testing.assert_allclose(man.mode_amplitudes(2, W), [0.3, 0.3, -0.3])
    assert "unstable rays" in repr(man)
    # every sampled point on a stable ray has the saddle's loss to first order and flows back
    for signs, P in man.ray_points(3, 0.2):
        assert math.prod(signs) < 0
        v = -np.array([np.sum(g * e) for g, e in zip(dl.gradient(P, Sigma), man.mode_direction(3))])
        assert np.all(v * np.array(signs) < 0)  # every |w_i| decreases
    for signs, P in man.ray_points(3, 0.2, stable=False):
        v = -np.array([np.sum(g * e) for g, e in zip(dl.gradient(P, Sigma), man.mode_direction(3))])
        assert np.all(v * np.array(signs) > 0)  # every |w_i| grows
    with pytest.raises(ValueError, match="learnt"):
        man.ray_points(1, 0.2)


def test_saddle_manifolds_h2_hyperbolic_rates_match_the_hessian():
    man = dl.saddle_manifolds((), np.array([[2.0]]), (1, 1, 1))
    m = man.modes[0]
    assert m.linear_rates == (2.0, -2.0)
    H = dl.hessian(man.point.weights, np.array([[2.0]]))
    up, down = np.array([1.0, 1.0]) / math.sqrt(2), np.array([1.0, -1.0]) / math.sqrt(2)
    assert -up @ H @ up == pytest.approx(2.0) and -down @ H @ down == pytest.approx(-2.0)  # flow Jacobian = -H
    assert m.stable_rays == ((1, -1), (-1, 1))
    assert (man.hessian_inertia.negative, man.hessian_inertia.positive) == (1, 1)


def test_saddle_manifolds_no_room_for_unlearnt_mode():
    man = dl.saddle_manifolds((2,), S32, (2, 1, 2))
    assert not man.modes[0].available and man.unstable_dimension == 0
    with pytest.raises(ValueError, match="free hidden coordinate"):
        man.mode_direction(1)
    with pytest.raises(ValueError, match="no unlearnt mode"):
        dl.flow_from_saddle((2,), S32, (2, 1, 2))


def test_claim23_stable_line_of_the_h2_origin():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1), "stable", 0.5, (0, 10), t_eval=np.linspace(0, 10, 11))
    assert fl.signs == (-1, 1) and fl.predicted == "stable"
    w0, s, t = 0.5, 1.0, fl.t
    exact = np.sqrt(s * w0**2 * np.exp(-2 * s * t) / (s + w0**2 * (1 - np.exp(-2 * s * t))))
    np.testing.assert_allclose(np.abs(fl.amplitudes_on[:, 0]), exact, rtol=1e-6)
    assert abs(fl.amplitudes_on[-1, 0]) == pytest.approx(2.0303e-5, rel=1e-3)
    np.testing.assert_allclose(fl.amplitudes_on[:, 0], -fl.amplitudes_on[:, 1])  # stays on w1 = -w2
    # 1e-6 off the line: escapes (exponentially, rate sigma) and does not return
    assert np.abs(fl.amplitudes_off[-1]).min() > 1e-2
    np.testing.assert_allclose(fl.law, 0.5 * np.exp(-t))  # leading order, |a0| e^{-sigma t}
    assert exact[-1] / fl.law[-1] == pytest.approx(1 / math.sqrt(1 + w0**2), rel=1e-6)


def test_claim23_off_line_escape_is_exponential():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1), "unstable", 1e-4, (0, 6), t_eval=np.linspace(0, 6, 7))
    assert fl.predicted == "unstable"
    np.testing.assert_allclose(fl.amplitudes_on[:, 0], fl.law, rtol=1e-3)  # a0 e^{sigma t} while a << 1


def test_claim24_stable_ray_of_the_h3_origin_is_algebraic():
    fl = dl.flow_from_saddle((), np.array([[1.0]]), (1, 1, 1, 1), "stable", 0.5, (0, 1000), t_eval=[0, 10, 100, 1000], off=1e-3)
    a = fl.amplitudes_on[:, 0]
    np.testing.assert_allclose(a[1:], [-0.0825, -0.00979, -0.000998], rtol=5e-3)
    T = fl.t[1:]
    assert abs(a[1] / (-1 / (2 + T[0])) - 1) < 0.05 and abs(a[3] / (-1 / (2 + T[2])) - 1) < 1e-3
    np.testing.assert_allclose(np.abs(a), fl.law, rtol=0.05)  # |a|^{-1} ~ |a0|^{-1} + (h-2) sigma t
    assert fl.manifolds.modes[0].linear_rates == (0.0,)  # zero linearisation: the Hessian says nothing
    # off the ray (imbalance 1e-3): leaves the origin and reaches a global minimum
    assert fl.off_trajectory.loss[-1] < 1e-10


def test_stable_ray_of_a_rank_one_saddle_h2_returns_to_it():
    fl = dl.flow_from_saddle((1,), S32, (2, 2, 2), "stable", 0.3, (0, 20), t_eval=[0, 8, 20])
    assert fl.mode == 2 and fl.signs == (-1, 1)
    assert abs(fl.amplitudes_on[1]).max() < 1e-6  # back at the saddle: exponential, rate sigma_2
    assert fl.on.loss[-1] == pytest.approx(2.0, abs=1e-10)
    assert fl.off_trajectory.loss[-1] < 1e-6  # off the line: on to the global minimum


def test_unstable_ray_h3_escape_law():
    fl = dl.flow_from_saddle((1,), S32, (2, 2, 2, 2), "unstable", 0.05, (0, 3), t_eval=np.linspace(0, 3, 7))
    a = fl.amplitudes_on[:, 0]
    np.testing.assert_allclose(a, fl.law, rtol=2e-3)  # a^{-1} = a0^{-1} - sigma_2 t while a^3 << sigma_2
    assert fl.mode == 2 and np.all(np.diff(a) > 0)
    # the chain's learnt mode stays put on the way
    assert fl.on.loss[-1] < fl.on.loss[0]


def test_saddle_escape_law_values():
    t = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(dl.saddle_escape_law(2, 1.0, 0.1, t), 0.1 * np.exp(t))
    np.testing.assert_allclose(dl.saddle_escape_law(2, 1.0, 0.1, t, stable=True), 0.1 * np.exp(-t))
    np.testing.assert_allclose(dl.saddle_escape_law(3, 2.0, 0.5, t, stable=True), 1 / (2 + 2 * t))
    out = dl.saddle_escape_law(4, 1.0, 0.5, np.array([0.0, 1.0, 2.0, 3.0]))
    np.testing.assert_allclose(out[:2], [0.5, 1 / math.sqrt(2)])
    assert np.isnan(out[2]) and np.isnan(out[3])  # blow-up of the leading-order law at t* = 2


def test_claim25_strict_saddle_line_scalar_h3():
    one = np.array([[1.0]])
    tr = dl.gradient_flow([np.array([[0.3]]), np.array([[-0.3]]), np.array([[1.0]])], one, (0, 200), t_eval=[0, 200])
    w = np.array([x.item() for x in tr.final_weights])
    np.testing.assert_allclose(w, [0, 0, math.sqrt(0.91)], atol=1e-6)
    c = dl.classify(tr.final_weights, one, tol=1e-6)
    assert c.kind == "strict saddle"
    np.testing.assert_allclose(c.inertia.eigenvalues, [-math.sqrt(0.91), 0, math.sqrt(0.91)], atol=1e-6)
    tr2 = dl.gradient_flow([np.array([[0.3]]), np.array([[0.3]]), np.array([[1.0]])], one, (0, 200), t_eval=[0, 200])
    np.testing.assert_allclose([x.item() for x in tr2.final_weights], [0.8782, 0.8782, 1.2966], atol=1e-4)
    # the conserved curves of the first trajectory pass through its limit
    curve = dl.scalar_conserved_curve([0.3, -0.3, 1.0], np.array([0.3, 0.0]))
    np.testing.assert_allclose(curve, [[0.3, -0.3, 1.0], [0.0, 0.0, math.sqrt(0.91)]], atol=1e-12)


@pytest.mark.parametrize("c, sigma", [(0.7, 2.0), (-1.5, 1.0)])
def test_claim25_hessian_on_the_saddle_line(c, sigma):
    W = [np.zeros((1, 1)), np.zeros((1, 1)), np.array([[c]])]
    cl = dl.classify(W, np.array([[sigma]]))
    np.testing.assert_allclose(cl.inertia.eigenvalues, [-abs(c) * sigma, 0, abs(c) * sigma], atol=1e-12)
    assert cl.kind == "strict saddle"
    assert dl.scalar_critical_set(3, sigma).classify_point([0, 0, c]) == "strict saddle"


# --------------------------------------------------------------------------- scalar helpers


def test_scalar_critical_set_and_vector_field():
    cs = dl.scalar_critical_set(3, 2.0)
    assert cs.saddle_value == 2.0 and cs.minimum_value == 0.0
    assert cs.classify_point([0, 0, 0]) == "non-strict saddle"
    assert cs.classify_point([1, 1, 2]) == "global minimum"
    assert cs.classify_point([0, 1, 1]) == "not critical"
    assert cs.saddle_components() == ((1, 2), (1, 3), (2, 3))
    cs2 = dl.scalar_critical_set(2, 1.0)
    assert cs2.classify_point([0, 0]) == "strict saddle" and "hyperbola" in repr(cs2)
    np.testing.assert_allclose(np.prod(cs2.minima_curve(np.array([0.5, 2.0])), axis=-1), 1.0)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    v = dl.scalar_vector_field(w, 2.0)
    for wk, vk in zip(w, v):
        g = dl.gradient([np.array([[x]]) for x in wk], np.array([[2.0]]))
        np.testing.assert_allclose(vk, [-x.item() for x in g])
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), axis=-1)
    assert dl.scalar_vector_field(grid, 1.0).shape == (5, 5, 2)


def test_scalar_conserved_curve_is_invariant():
    w0 = [0.2, -0.7, 1.1]
    curve = dl.scalar_conserved_curve(w0, np.linspace(-2, 2, 9))
    np.testing.assert_allclose(np.diff(curve**2, axis=1), np.tile(np.diff(np.square(w0)), (9, 1)), atol=1e-12)
    tr = dl.gradient_flow([np.array([[x]]) for x in w0], np.array([[1.0]]), (0, 5), t_eval=[5])
    wT = np.array([x.item() for x in tr.final_weights])
    on = dl.scalar_conserved_curve(w0, np.array([wT[0]]))[0]
    np.testing.assert_allclose(on, wT, atol=1e-8)


def test_classification_prints_eigenvalues_below_the_threshold_as_zero():
    # h = 3, only sigma_1 learnt: PSD Hessian whose smallest eigenvalue is rounding noise
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1,), Sigma, (3, 3, 3, 3))
    c = dl.classify(cp.weights, Sigma)
    assert c.kind == "non-strict saddle"
    line = next(l for l in repr(c).splitlines() if "lambda_min, lambda_max" in l)
    assert line.split(":", 1)[1].strip().startswith("0, 12.9802 (|lambda| <= "), line


def test_saddle_manifolds_count_unlearnt_modes_that_fit_together():
    # widths (3, 2, 2, 3), S = {1}: one free hidden coordinate per layer, which mode 2 or
    # mode 3 can use, but not both at once, so one unlearnt direction, not two.
    sm = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 2, 2, 3))
    assert (sm.stable_dimension, sm.unstable_dimension) == (2, 1)
    wide = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    assert (wide.stable_dimension, wide.unstable_dimension) == (3, 2)


def test_flow_from_saddle_passes_the_integrator_through():
    args = ((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3), "stable", 0.5, (0.0, 50.0))
    lsoda = dl.flow_from_saddle(*args, method="LSODA", t_eval=np.linspace(0.0, 50.0, 6))
    dop = dl.flow_from_saddle(*args, t_eval=np.linspace(0.0, 50.0, 6))
    assert lsoda.on.nfev != dop.on.nfev  # a different integrator ran
    np.testing.assert_allclose(lsoda.amplitudes_on, dop.amplitudes_on, atol=1e-6)


# --------------------------------------------------------------------------- rays, samples and flows at a saddle


@pytest.mark.parametrize("h", [2, 3, 4])
def test_ray_fates_follow_the_sign_of_the_product(h):
    f = dl.ray_fates((1,), SIGMA, (3,) * (h + 1))
    assert f.mode == 2 and f.sigma == 2.0 and f.signs.shape == (2**h, h)
    assert f.agrees
    assert int(np.sum(f.returned)) == 2 ** (h - 1)
    assert np.array_equal(f.returned, np.prod(f.signs, axis=1) < 0)
    assert f.spread < 1e-12  # every ray is invariant: all |w_i| stay equal
    balanced_negative = np.all(f.signs == -1, axis=1)
    assert bool(f.returned[balanced_negative][0]) == (h % 2 == 1)  # the balanced line: odd h only
    assert "product sign opposite sigma: True" in repr(f)


def test_ray_fates_at_the_origin_and_validation():
    f = dl.ray_fates((), np.array([[1.5]]), (1, 1, 1, 1), eps=0.3, t_max=5.0)
    assert f.mode == 1 and f.agrees and f.depth == 3
    with pytest.raises(ValueError, match="learnt"):
        dl.ray_fates((1,), SIGMA, (3, 3, 3), mode=1)
    with pytest.raises(ValueError, match="eps"):
        dl.ray_fates((1,), SIGMA, (3, 3, 3), eps=0.0)


def test_off_ray_turn_time_closed_forms():
    c, s, a0 = 1e-6, 2.0, 0.5
    assert dl.off_ray_turn_time(2, s, c, a0) == pytest.approx(math.asinh(a0 / math.sqrt(c)) / s)
    assert dl.off_ray_turn_time(3, s, c, a0) == pytest.approx(math.atan(a0 / math.sqrt(c)) / (s * math.sqrt(c)))
    assert dl.off_ray_turn_time(4, s, c, 1e6) == pytest.approx(1 / (s * c), rel=1e-9)
    # the general limit sqrt(pi) Gamma((h-2)/2) / (2 Gamma((h-1)/2)) c^{-(h-2)/2} / sigma
    h = 6
    lim = math.sqrt(math.pi) * math.gamma((h - 2) / 2) / (2 * math.gamma((h - 1) / 2)) * c ** (-(h - 2) / 2) / s
    assert dl.off_ray_turn_time(h, s, c, 1e9) == pytest.approx(lim, rel=1e-9)
    from scipy.integrate import quad

    val, _ = quad(lambda x: 1 / (x * x + 1e-2) ** 2, 0, 0.3)
    assert dl.off_ray_turn_time(5, 1.0, 1e-2, 0.3) == pytest.approx(val, rel=1e-9)
    assert dl.off_ray_turn_time(3, 1.0, 0.0, 0.5) == math.inf
    with pytest.raises(ValueError, match="h >= 2"):
        dl.off_ray_turn_time(1, 1.0, 1e-3, 0.5)


@pytest.mark.parametrize("h", [2, 3, 4])
def test_off_ray_flow_turns_at_the_predicted_time(h):
    fl = dl.off_ray_flow((1,), SIGMA, (3,) * (h + 1), off=1e-4, t_max=2e4, n_times=161)
    assert fl.imbalance == pytest.approx(2 * 0.5 * 1e-4, rel=1e-3)
    assert fl.closest_approach == pytest.approx(math.sqrt(fl.imbalance), rel=0.1)  # sampled in time
    assert fl.crossing_time == pytest.approx(fl.predicted_turn, rel=0.03)
    assert fl.crossing_time <= fl.predicted_turn  # sigma - p > sigma on the way in
    # on the ray back to the saddle (value 2.5); off it, mode 2 is learnt: on to the next saddle, S = {1, 2}
    assert fl.loss_on[-1] == pytest.approx(2.5, abs=1e-3) and fl.loss_off[-1] == pytest.approx(0.5, abs=1e-6)
    assert np.all(np.prod(fl.amplitudes_on, axis=1) <= 0)  # the ray: product opposite sigma
    assert "crosses 0" in repr(fl)


def test_off_ray_flow_reuses_the_trajectory_on_the_ray():
    a = dl.off_ray_flow((), SIGMA, (3, 3, 3, 3), off=1e-3, t_max=50.0, n_times=21)
    b = dl.off_ray_flow((), SIGMA, (3, 3, 3, 3), off=1e-2, t_max=50.0, n_times=21)
    assert a.amplitudes_on is b.amplitudes_on
    assert not np.allclose(a.amplitudes_off, b.amplitudes_off)
    with pytest.raises(ValueError, match="smaller than eps"):
        dl.off_ray_flow((), SIGMA, (3, 3, 3), off=0.6)
    zero = dl.off_ray_flow((), SIGMA, (3, 3, 3), off=0.0, t_max=5.0, n_times=11)
    assert zero.imbalance == 0.0 and zero.predicted_turn == math.inf and math.isnan(zero.crossing_time)


def test_stabilizer_rotations_fix_the_saddle():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 4, 3, 3))
    Ts = dl.stabilizer_rotations(man, np.random.default_rng(1))
    assert [T.shape for T in Ts] == [(4, 4), (3, 3)]
    for T in Ts:
        np.testing.assert_allclose(T.T @ T, np.eye(T.shape[0]), atol=1e-14)
    for a, b in zip(dl.gl_action(man.point.weights, Ts), man.point.weights):
        np.testing.assert_allclose(a, b, atol=1e-14)
    with pytest.raises(TypeError, match="SaddleManifolds"):
        dl.stabilizer_rotations("no", np.random.default_rng(0))


def test_saddle_samples_are_balanced_and_return():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3, 3))
    rng = np.random.default_rng(0)
    for W in dl.saddle_samples(man, rng, 3):
        assert max(np.abs(C).max() for C in dl.conserved_quantities(W)) < 1e-13  # stable sets lie in C = C(A_S) = 0
        assert dl.loss(W, SIGMA) > 2.5  # products opposite sigma: the loss is above the saddle value
    fl = dl.saddle_sample_flows((1,), SIGMA, (3, 3, 3, 3), n=3, t_max=200.0, n_times=31)
    assert np.all(fl.stable_distances[:, -1] < 0.02)
    assert np.all(np.diff(fl.stable_distances[:, 5:], axis=1) < 0)
    assert np.all(fl.unstable_distances[:, -1] > 1.0)
    assert np.all(fl.unstable_losses[:, -1] < 2.5 - 1e-3)
    with pytest.raises(ValueError, match="amplitude"):
        dl.saddle_samples(man, rng, 2, amplitude=(0.3, 0.1))
    full = dl.saddle_manifolds((1, 2, 3), SIGMA, (3, 3, 3))
    with pytest.raises(ValueError, match="no unlearnt mode"):
        dl.saddle_samples(full, rng, 1)


def test_escape_direction_span_h2_is_the_negative_eigenspace():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.negative == span.rank == 4
    assert span.angle_to_negative_space < 1e-8
    assert span.rayleigh == (-2.0, -1.0)


def test_escape_direction_span_h3_fills_the_unexplained_null_space():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.negative == 0 and span.rayleigh == (0.0,)
    assert span.null_residual < 1e-12
    assert (span.rank, span.orbit_dim, span.rank_with_orbit) == (12, 10, 22)
    assert span.rank_with_orbit == span.hessian_inertia.zero
    assert math.isnan(span.angle_to_negative_space)
    assert "span 12 dimensions" in repr(span)


# --------------------------------------------------------------------------- scalar networks: the h = 2 limit


def test_scalar_h2_limit_matches_the_flow():
    rng = np.random.default_rng(3)
    for _ in range(4):
        w0, sigma = rng.uniform(-2, 2, size=2), rng.uniform(0.3, 2.5)
        tr = dl.gradient_flow([np.array([[w0[0]]]), np.array([[w0[1]]])], np.array([[sigma]]), (0.0, 80.0),
                              rtol=1e-10, atol=1e-14)
        final = np.array([tr.final_weights[0][0, 0], tr.final_weights[1][0, 0]])
        assert np.allclose(final, dl.scalar_h2_limit(w0, sigma), atol=1e-7)
    assert np.array_equal(dl.scalar_h2_limit((0.5, -0.5), 1.0), [0.0, 0.0])
    lim = dl.scalar_h2_limit((-1.0, 0.2), 2.0)
    assert lim[0] * lim[1] == pytest.approx(2.0) and lim[1] ** 2 - lim[0] ** 2 == pytest.approx(0.04 - 1.0)
    assert np.all(lim < 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_scalar_h2_limit_rejects_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        dl.scalar_h2_limit((1.0, 0.0), bad)


def test_scalar_h2_limit_rejects_bad_points():
    with pytest.raises(ValueError, match="2 entries"):
        dl.scalar_h2_limit((1.0, 0.0, 2.0), 1.0)
    with pytest.raises(ValueError, match="w0"):
        dl.scalar_h2_limit((np.inf, 0.0), 1.0)
    with pytest.raises(TypeError, match="w0"):
        dl.scalar_h2_limit(("a", "b"), 1.0)
    with pytest.raises(TypeError, match="sigma"):
        dl.scalar_h2_limit((1.0, 0.0), "large")


# --------------------------------------------------------------------------- orbit tangents


def test_orbit_tangent_vector_is_the_derivative_of_the_action():
    from scipy.linalg import expm

    rng = np.random.default_rng(0)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    xis = [rng.standard_normal((3, 3)), rng.standard_normal((4, 4))]
    s = 1e-6
    plus = dl.gl_action(W, [expm(s * x) for x in xis])
    minus = dl.gl_action(W, [expm(-s * x) for x in xis])
    for t, p, m in zip(dl.orbit_tangent_vector(W, xis), plus, minus):
        assert np.allclose(t, (p - m) / (2 * s), atol=1e-7)
    with pytest.raises(ValueError, match="h - 1 = 2"):
        dl.orbit_tangent_vector(W, xis[:1])


def test_orbit_tangents_span_a_space_of_orbit_dimension_in_the_null_space():
    Sigma = np.diag([3.0, 2.0])
    cp = dl.critical_point([1, 2], Sigma, (2, 2, 2, 2))
    W = list(cp.weights)
    H = dl.hessian(W, Sigma)
    basis = []
    for k in range(8):  # the 8 generators of gl(2) x gl(2)
        xi = np.zeros(8)
        xi[k] = 1.0
        basis.append(dl.flatten_weights(dl.orbit_tangent_vector(W, [xi[:4].reshape(2, 2), xi[4:].reshape(2, 2)])))
    T = np.array(basis).T
    assert np.max(np.abs(H @ T)) < 1e-12
    assert np.linalg.matrix_rank(T) == dl.orbit_dimension(W) == 8  # claim 18: nullity 8 for h = 3


def test_orbit_tangent_vector_is_the_orbit_tangent_matrix_applied():
    from deeplinear.orbits import _orbit_tangent_matrix

    rng = np.random.default_rng(2)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    xis = [rng.standard_normal((3, 3)), rng.standard_normal((4, 4))]
    vec = np.concatenate([x.ravel() for x in xis])  # row-major, as the matrix's columns
    np.testing.assert_allclose(dl.flatten_weights(dl.orbit_tangent_vector(W, xis)), _orbit_tangent_matrix(W) @ vec,
                               atol=1e-13)
    with pytest.raises(ValueError, match="xi_2 must have shape"):
        dl.orbit_tangent_vector(W, [xis[0], np.eye(3)])


def test_mode_rotation_descends_from_a_non_top_set_anywhere_on_its_fibre():
    Sigma = np.diag([3.0, 2.0, 1.0])
    widths = (3, 4, 4, 3)
    rep = dl.critical_point((1, 3), Sigma, widths)
    elsewhere = dl.gl_action(rep.weights, dl.random_gl(widths, np.random.default_rng(2), cond=5.0))
    thetas = np.linspace(0.0, np.pi / 2, 5)
    for W in (list(rep.weights), elsewhere):
        L = [dl.loss(dl.mode_rotation(W, Sigma, 3, 2, th), Sigma) for th in thetas]
        np.testing.assert_allclose(L, 2.0 - 1.0 * (2.0 - 1.0) * np.sin(thetas) ** 2, atol=1e-10)


def test_mode_rotation_uses_the_singular_vectors_of_a_general_sigma():
    rng = np.random.default_rng(0)
    Q1, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Q2, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Sigma = Q1 @ np.diag([3.0, 2.0, 1.0]) @ Q2.T
    rep = dl.critical_point((1, 3), Sigma, (3, 3, 3))
    L = dl.loss(dl.mode_rotation(rep.weights, Sigma, 3, 2, np.pi / 2), Sigma)
    assert abs(L - 1.0) < 1e-10  # sigma_3 now sits on mode 2: L = ((2 - 1)^2 + 1^2) / 2
    with pytest.raises(ValueError, match="j = 2 and k = 2 must be distinct"):
        dl.mode_rotation(rep.weights, Sigma, 2, 2, 0.1)
