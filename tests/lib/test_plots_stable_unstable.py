"""Figures and helpers of the chapter on stable and unstable sets at saddles (digest 3.5, claims 23-24)."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

import deeplinear as dl

SIGMA = np.diag([3.0, 2.0, 1.0])


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


def test_ray_fates_figure():
    fates = [dl.ray_fates((1,), SIGMA, (3,) * (h + 1)) for h in (2, 3)]
    fig = dl.ray_fates_figure(fates)
    ax_l, ax_r = fig.axes
    assert len(ax_l.lines) == 2 * 2 + 1  # pi = +1 and -1 per depth, and the zero line
    a, adot = ax_l.lines[0].get_xydata().T  # h = 2, pi = +1: a (sigma - a^2)
    np.testing.assert_allclose(adot, a * (2.0 - a**2))
    assert ax_r.get_yscale() == "log" and "negative signs" in ax_r.get_xlabel()
    down = [ln for ln in ax_r.lines if ln.get_marker() == "v"]
    assert all(np.all(ln.get_ydata() < 1) for ln in down)  # predicted stable rays returned
    with pytest.raises(TypeError, match="RayFates"):
        dl.ray_fates_figure([1, 2])


def test_escape_laws_figure_matches_the_laws_early_on():
    fig = dl.escape_laws_figure(depths=(2, 3), t_max=100.0)
    ax_u, ax_s = fig.axes
    assert ax_u.get_xscale() == ax_u.get_yscale() == "log"
    flows = [ln for ln in ax_u.lines if "network flow" in ln.get_label()]
    laws = [ln for ln in ax_u.lines if "leading-order law" in ln.get_label()]
    assert len(flows) == len(laws) == 2
    for fl, law in zip(flows, laws):
        t, a = fl.get_xydata().T
        tl, al = law.get_xydata().T
        early = t < 0.1
        np.testing.assert_allclose(a[early], al[: early.sum()], rtol=2e-3)
    # the blow-up time of the h = 3 law, 1/(sigma_2 a0) = 10, is marked
    assert any(np.allclose(ln.get_xdata(), 10.0) for ln in ax_u.lines if ln.get_linestyle() == ":")
    flows_s = [ln for ln in ax_s.lines if "network flow" in ln.get_label()]
    t, a = flows_s[1].get_xydata().T  # h = 3 stable ray: a(t) ~ 1/(2 + 2 t)
    assert a[-1] == pytest.approx(1 / (2 + 2 * t[-1]), rel=0.02)
    with pytest.raises(ValueError, match="depths"):
        dl.escape_laws_figure(depths=(1, 2))
    with pytest.raises(ValueError, match="square"):
        dl.escape_laws_figure(np.ones((2, 3)))


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


def test_off_ray_explorer_figure():
    fig = dl.off_ray_explorer_figure(3, 1e-4, "S = {1}")
    ax, ax_l = fig.axes
    assert "h = 3" in ax.get_title() and "c = 1.0e-04" in ax.get_title()
    labels = [ln.get_label() for ln in ax.lines]
    assert "on the ray" in labels and r"$\sqrt{c}$" in labels
    exact = ax.lines[labels.index("mode equation, exact")].get_ydata()
    on = ax.lines[labels.index("on the ray")].get_ydata()
    np.testing.assert_allclose(on, exact, rtol=1e-5)  # the network on the ray = the mode equation
    assert ax_l.get_ylabel() == "loss $L(t)$"
    with pytest.raises(ValueError, match="saddle must be one of"):
        dl.off_ray_explorer_figure(3, 1e-4, "S = {2}")
    with pytest.raises(ValueError, match="layout engine"):
        dl.off_ray_explorer_figure(3, 1e-4, "origin", fig=Figure(layout="constrained"))
    ex = dl.explore(dl.off_ray_explorer_figure, h=[2, 4], offset=dl.LogRange(1e-6, 1e-2, 2),
                    saddle=["origin", "S = {1, 2}"])
    assert ex.failures() == []


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


def test_saddle_samples_figure():
    flows = [dl.saddle_sample_flows((1,), SIGMA, (3,) * (h + 1), n=2, t_max=50.0, n_times=21) for h in (2, 3)]
    fig = dl.saddle_samples_figure(flows)
    assert len(fig.axes) == 2
    ax = fig.axes[1]
    labels = [ln.get_label() for ln in ax.lines]
    assert "stable samples" in labels and "unstable samples" in labels and "slope $-1$" in labels
    assert ax.get_yscale() == "log" and "A_S" in ax.get_ylabel()
    with pytest.raises(TypeError, match="SaddleSampleFlows"):
        dl.saddle_samples_figure([])


def test_escape_direction_span_h2_is_the_negative_eigenspace():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.n_negative == span.rank == 4
    assert span.angle_to_negative_space < 1e-8
    assert span.rayleigh == (-2.0, -1.0)


def test_escape_direction_span_h3_fills_the_unexplained_null_space():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 3, 3, 3))
    span = dl.escape_direction_span(man, np.random.default_rng(0))
    assert span.hessian_inertia.n_negative == 0 and span.rayleigh == (0.0,)
    assert span.null_residual < 1e-12
    assert (span.rank, span.orbit_dim, span.rank_with_orbit) == (12, 10, 22)
    assert span.rank_with_orbit == span.hessian_inertia.n_zero
    assert math.isnan(span.angle_to_negative_space)
    assert "span 12 dimensions" in repr(span)
