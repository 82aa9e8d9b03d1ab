"""Tests of deeplinear.flow: the gradient flow, layer-wise and in adjacency form."""

import itertools
import warnings
from dataclasses import dataclass

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import DOP853, RK45, ode, solve_ivp

import deeplinear as dl
from deeplinear import losses

SIGMA3 = np.diag([3.0, 2.0, 1.0])


@st.composite
def problems(draw, max_depth=5, max_width=6):
    h = draw(st.integers(1, max_depth))
    d = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = dl.random_init(d, rng, 1.0, fan_in=True)
    S = np.zeros((d[-1], d[0]))
    k = min(d[0], d[-1])
    S[np.arange(k), np.arange(k)] = np.sort(rng.uniform(0.5, 2.0, k))[::-1]
    return d, W, S


# --------------------------------------------------------------------------- properties


@settings(max_examples=15)
@given(problems())
def test_conserved_quantities_stay_constant(p):
    d, W, S = p
    tr = dl.gradient_flow(W, S, (0.0, 3.0))
    assert tr.status == "completed"
    assert np.max(tr.conserved_drift) <= 1e-8


@settings(max_examples=15)
@given(problems())
def test_loss_never_increases(p):
    d, W, S = p
    tr = dl.gradient_flow(W, S, (0.0, 3.0), t_eval=np.linspace(0, 3, 61))
    assert np.all(np.diff(tr.loss) <= 1e-10 * max(1.0, tr.loss[0]))
    # and L(b) - L(a) = -int_a^b ||grad L||^2 dt (Lyapunov identity), on the solver's own steps with
    # 5-point Gauss-Legendre quadrature of the dense output
    ts = dl.gradient_flow(W, S, (0.0, 3.0))
    x, w = np.polynomial.legendre.leggauss(5)
    a, b = ts.t[:-1], ts.t[1:]
    nodes = (0.5 * (b - a)[:, None] * x + 0.5 * (a + b)[:, None]).ravel()
    g2 = np.array([sum(float(np.sum(g * g)) for g in dl.gradient(W_, S)) for W_ in ts.weights_at(nodes)])
    integral = 0.5 * (b - a) * (g2.reshape(-1, 5) @ w)
    np.testing.assert_allclose(np.diff(ts.loss), -integral, rtol=1e-6, atol=1e-10 * max(1.0, ts.loss[0]))




@settings(max_examples=15)
@given(
    st.integers(1, 5),
    st.lists(st.floats(0.5, 3.0), min_size=1, max_size=3),
    st.floats(0.05, 0.6),
)
def test_aligned_flow_matches_the_closed_form(h, svals, a0):
    """Aligned balanced start: every mode follows mode_solution (to 1e-8)."""
    s = np.sort(np.array(svals))[::-1]
    k = s.size
    T = 6.0
    t = np.linspace(0.0, T, 13)
    tr = dl.gradient_flow(dl.aligned_init((k,) * (h + 1), a0), np.diag(s), (0.0, T), t_eval=t)
    u = np.array([np.diag(P) for P in tr.end_to_end])
    exact = np.array([dl.mode_solution(t, a0**h, sk, h) for sk in s]).T
    np.testing.assert_allclose(u, exact, rtol=0, atol=1e-8 * max(1.0, s.max()))
    np.testing.assert_allclose(tr.loss, dl.mode_loss(t, a0**h, s, h), rtol=0, atol=1e-8 * max(1.0, tr.loss[0]))


# --------------------------------------------------------------------------- digest claims


def test_claim_27_incremental_learning_through_the_plateaus():
    """Sigma = diag(3,2,1), aligned h = 2, u0 = 1e-6: loss 6.9987, 2.2185, 0.4787, 0.0051, 0.0000 at
    t = 1, 3, 5, 8, 12, and the flow matches the closed form through all three transitions."""
    W0 = dl.aligned_init((3, 3, 3), 1e-3)
    t = np.array([1.0, 3.0, 5.0, 8.0, 12.0])
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 12.0), t_eval=t)
    np.testing.assert_allclose(tr.loss, [6.9987, 2.2185, 0.4787, 0.0051, 0.0000], atol=1e-4)
    dense = np.linspace(0.0, 14.0, 281)
    exact = dl.mode_loss(dense, 1e-6, [3.0, 2.0, 1.0], 2)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 14.0), t_eval=dense)
    assert np.max(np.abs(tr.loss - exact)) <= 1e-8
    # dense output between the steps is as good
    Wd = tr.weights_at(np.linspace(0.1, 13.9, 97))
    Ld = np.array([dl.loss(W, SIGMA3) for W in Wd])
    assert np.max(np.abs(Ld - dl.mode_loss(np.linspace(0.1, 13.9, 97), 1e-6, [3.0, 2.0, 1.0], 2))) <= 1e-8


def test_default_tolerances_are_needed():
    """Evidence for the defaults: a deep aligned flow through a long plateau (h = 3, a0 = 0.05).
    rtol = 1e-6 is wrong in the third digit; the defaults are right to 1e-8."""
    h, a0, T = 3, 0.05, 40.0
    t = np.linspace(0.0, T, 81)
    W0 = dl.aligned_init((3,) * (h + 1), a0)
    exact = np.array([dl.mode_solution(t, a0**h, s, h) for s in (3.0, 2.0, 1.0)]).T

    def err(**kw):
        tr = dl.gradient_flow(W0, SIGMA3, (0.0, T), t_eval=t, **kw)
        return np.max(np.abs(np.array([np.diag(P) for P in tr.end_to_end]) - exact))

    assert err() <= 1e-8
    assert err(rtol=1e-6, atol=1e-9, max_step=np.inf) > 1e-3


def test_claim_27_random_small_init_lingers_near_one_half():
    """With a random 1e-3 start the loss lingers near 0.5 for about 2.5 time units."""
    dwell = []
    for seed in range(4):
        W0 = dl.random_init((3, 3, 3), np.random.default_rng(seed), 1e-3)
        t = np.linspace(0.0, 20.0, 2001)
        tr = dl.gradient_flow(W0, SIGMA3, (0.0, 20.0), t_eval=t)
        dwell.append(np.sum(np.abs(tr.loss - 0.5) < 0.05) * (t[1] - t[0]))
        assert tr.loss[-1] < 1e-12
    assert 2.0 <= np.mean(dwell) <= 3.0
    assert min(dwell) > 1.0


@pytest.mark.parametrize("h, sigma, predicted", [(2, 1.0, -4.0), (3, 2.0, -15.119), (4, 1.5, -14.697)])
def test_claim_11_local_rate_of_the_scalar_chain(h, sigma, predicted):
    """The balanced scalar chain's d/dt log L tends to -2 h sigma^(2-2/h) [1e-3 relative], measured on the flow
    between L = 1e-8 and L = 1e-10."""
    u0 = sigma / 2
    t1 = dl.learning_time(u0, sigma - np.sqrt(2e-8), sigma, h)
    t2 = dl.learning_time(u0, sigma - np.sqrt(2e-10), sigma, h)
    W0 = dl.aligned_init((1,) * (h + 1), u0 ** (1 / h))
    tr = dl.gradient_flow(W0, np.array([[sigma]]), (0.0, t2), t_eval=[t1, t2])
    rate = np.diff(np.log(tr.loss))[0] / (t2 - t1)
    assert rate == pytest.approx(predicted, rel=1e-3)




def test_claim_4_conservation_laws():
    """d = (3,4,2,3), t in [0, 20]: the inner blocks of A^T A - A A^T drift < 3e-12 (digest tolerances
    rtol = 1e-11, atol = 1e-12; <= 1e-9 claimed), the outer blocks change by O(1)."""
    rng = np.random.default_rng(0)
    d = (3, 4, 2, 3)
    W0 = dl.random_init(d, rng)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 20.0), rtol=1e-11, atol=1e-12)
    assert np.max(tr.conserved_drift) < 3e-12
    assert np.max(dl.gradient_flow(W0, SIGMA3, (0.0, 20.0)).conserved_drift) < 1e-9  # defaults
    first, last = dl.commutator_blocks(dl.adjacency(tr.weights[0]), d), dl.commutator_blocks(dl.adjacency(tr.weights[-1]), d)
    for i in (1, 2):
        assert np.linalg.norm(last[i] - first[i]) < 3e-11
    for i in (0, 3):
        assert np.linalg.norm(last[i] - first[i]) > 0.5


def test_claim_5_lyapunov():
    """L is non-increasing on a 401-point grid (successive differences <= 1e-10)."""
    rng = np.random.default_rng(1)
    W0 = dl.random_init((3, 4, 2, 3), rng)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 20.0), t_eval=np.linspace(0, 20, 401))
    assert np.all(np.diff(tr.loss) <= 1e-10)
    assert tr.loss[0] - tr.loss[-1] > 1.0


def test_claim_6_bottleneck_minimum():
    """Sigma = diag(3,2,1), d = (3,4,2,3) (d_min = 2): the generic limit is 1/2 sigma_3^2 = 0.5 [1e-6]."""
    for seed, T in [(0, 20.0), (2, 20.0), (3, 20.0), (1, 60.0)]:  # seed 1 passes near a saddle and is slower
        W0 = dl.random_init((3, 4, 2, 3), np.random.default_rng(seed))
        tr = dl.gradient_flow(W0, SIGMA3, (0.0, T))
        assert tr.loss[-1] == pytest.approx(0.5, abs=1e-6)


def test_claim_28_end_to_end_ode_under_balance():
    """h = 3, balanced factors: the product's derivative equals sum_j (WW^T)^{(h-j)/h}(Sigma - W)(W^TW)^{(j-1)/h} [1e-10]."""
    rng = np.random.default_rng(0)
    for d in [(3, 3, 3, 3), (3, 5, 4, 2)]:
        S = np.zeros((d[-1], d[0]))
        S[np.arange(min(d[0], d[-1])), np.arange(min(d[0], d[-1]))] = [3.0, 2.0, 1.0][: min(d[0], d[-1])]
        W = dl.balanced_init(d, rng=rng)
        G = dl.gradient(W, S)
        # d/dt (W_h ... W_1) = sum_j W_{j+1:h} (-G_j) W_{1:j-1}
        h = len(W)
        dP = sum(dl.partial_product(W, j + 2, h) @ (-G[j]) @ dl.partial_product(W, 1, j) for j in range(h))
        np.testing.assert_allclose(dl.end_to_end_rhs(dl.end_to_end(W), S, h), dP, atol=1e-10)
    # unbalanced factors do not obey it
    W = dl.delta_balanced_init((3, 3, 3, 3), 1.0, rng)
    dP = sum(dl.partial_product(W, j + 2, 3) @ (-g) @ dl.partial_product(W, 1, j) for j, g in enumerate(dl.gradient(W, SIGMA3)))
    assert np.max(np.abs(dl.end_to_end_rhs(dl.end_to_end(W), SIGMA3, 3) - dP)) > 1e-3


def test_claim_29_deficiency_margin_rate():
    """h = 3, Sigma = diag(3,2,1), balanced start with ||W0 - Sigma|| = 0.5 (c = 0.5):
    l(t) <= l(0) exp(-2 h c^{2(h-1)/h} t) on [0, 6], and sigma_min(W(t)) >= c."""
    rng = np.random.default_rng(0)
    D = rng.standard_normal((3, 3))
    P0 = SIGMA3 + 0.5 * D / np.linalg.norm(D)
    W0 = dl.balanced_init((3, 3, 3, 3), product=P0, rng=rng)
    c = dl.deficiency_margin(P0, SIGMA3)
    assert c == pytest.approx(0.5)
    t = np.linspace(0, 6, 601)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 6.0), t_eval=t)
    bound = tr.loss[0] * np.exp(-2 * 3 * c ** (4 / 3) * t)
    assert np.all(tr.loss <= bound * (1 + 1e-9))
    assert min(np.linalg.svd(P, compute_uv=False)[-1] for P in tr.end_to_end) >= c


def test_claim_30_conservation_with_logistic_loss():
    """Logistic loss on random +-1 labels, d = (3,4,4,2), t in [0, 30]: C_i drift < 1e-9 while the weights grow."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    labels = np.where(rng.standard_normal((2, 20)) > 0, 1.0, -1.0)
    W0 = dl.random_init((3, 4, 4, 2), rng, 0.5)
    tr = dl.gradient_flow(W0, None, (0.0, 30.0), end_to_end_loss=losses.logistic(X, labels))
    assert tr.status == "completed"
    assert np.max(tr.conserved_drift) < 1e-9
    assert all(np.linalg.norm(b) > np.linalg.norm(a) for a, b in zip(tr.weights[0], tr.weights[-1]))
    assert tr.loss[-1] < tr.loss[0]


def test_claim_30_separable_data_diverge_slowly():
    """On separable data the logistic loss has no minimiser: the weights keep growing (Ji and Telgarsky 2019),
    the invariants stay put, and a blow-up bound stops the flow cleanly."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 10))
    labels = np.sign(np.array([[1.0, -2.0]]) @ X)
    W0 = dl.random_init((2, 3, 1), rng, 0.5)
    ell = losses.logistic(X, labels)
    tr = dl.gradient_flow(W0, None, (0.0, 200.0), end_to_end_loss=ell, t_eval=[0, 50, 100, 200])
    norms = [np.linalg.norm(W[0]) for W in tr.weights]
    assert np.all(np.diff(norms) > 0) and np.all(np.diff(tr.loss) < 0)
    assert np.max(tr.conserved_drift) < 1e-9
    with pytest.warns(RuntimeWarning, match="blow-up"):
        tb = dl.gradient_flow(W0, None, (0.0, 200.0), end_to_end_loss=ell, events={"blowup": {"bound": 2.0}})
    assert tb.status == "blowup" and not tb.success
    assert tb.t[-1] < 200.0 and tb.events["blowup"].size == 1
    assert max(np.linalg.norm(w) for w in tb.final_weights) == pytest.approx(2.0, rel=1e-6)


def test_claim_31_generic_convergence():
    """Random Gaussian starts: d_min >= r gives L_inf < 1e-8, d_min < r gives L* = 1/2 sum_{k > d_min} sigma_k^2."""
    for seed, scale in zip(range(6), (0.1, 0.3, 0.5, 0.8, 0.2, 1.0)):
        rng = np.random.default_rng(seed)
        tr = dl.gradient_flow(dl.random_init((3, 4, 4, 3), rng, scale), SIGMA3, (0.0, 400.0), events=("convergence",))
        assert tr.status == "converged" and tr.loss[-1] < 1e-8
        tb = dl.gradient_flow(dl.random_init((3, 2, 3), rng, scale), SIGMA3, (0.0, 60.0))
        assert tb.loss[-1] == pytest.approx(0.5, abs=1e-8)


# --------------------------------------------------------------------------- events and failures


def test_events_convergence_plateau_and_custom():
    W0 = dl.aligned_init((3, 3, 3), 1e-3)

    def half(t, weights):
        return dl.loss(weights, SIGMA3) - 3.5

    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 100.0),
                          events=("convergence", "plateau", half, dl.trajectory.Event("two", lambda t, W: t - 2.0)))
    assert tr.status == "converged" and tr.success
    assert tr.loss[-1] <= 1e-12 * (1 + 1e-6)
    assert tr.t[-1] == pytest.approx(tr.events["convergence"][0])
    assert tr.events["two"] == pytest.approx([2.0])
    assert tr.events["half"].size == 1 and 2.3 < tr.events["half"][0] < 2.6
    # plateaus: the start (value 7) and the rest near 0.5 between the 2nd and 3rd transitions
    entries, exits = tr.events["plateau_entry"], tr.events["plateau_exit"]
    assert entries[0] == 0.0 and 1.0 < exits[0] < 2.0
    assert np.any((entries > 4.0) & (entries < 4.6)) and np.any((exits > 4.6) & (exits < 5.5))
    # a terminal custom event
    te = dl.gradient_flow(W0, SIGMA3, (0.0, 100.0), events=[dl.trajectory.Event("stop", lambda t, W: t - 1.5, terminal=True)])
    assert te.status == "event" and te.t[-1] == pytest.approx(1.5)
    # convergence with options, given as a dict; already converged at the start
    tc = dl.gradient_flow([np.sqrt(SIGMA3)] * 2, SIGMA3, (0.0, 1.0), events={"convergence": {"loss_tol": 1e-10}})
    assert tc.status == "converged" and tc.t.size == 1
    assert len(tc.weights_at(0.0)) == 2


def test_failure_is_reported_never_nan():
    """A loss whose flow blows up in finite time (ell = -1/2 ||W||^2, scalar h = 2: w' = w^3)."""

    @dataclass(frozen=True)
    class Explosive:
        shape = (1, 1)

        def value(self, W):
            return -0.5 * float(np.sum(W * W))

        def gradient(self, W):
            return -W

    with pytest.warns(RuntimeWarning, match="gradient_flow"):
        tr = dl.gradient_flow([np.ones((1, 1)), np.ones((1, 1))], None, (0.0, 1.0), end_to_end_loss=Explosive())
    # a finite-time blow-up is reported as one (the step size underflows while the norm grows)
    assert tr.status == "blowup" and not tr.success
    assert "blow-up near t" in tr.message and "step size" in tr.message
    assert np.all(np.isfinite(tr.loss)) and np.all(np.isfinite(tr.t))
    assert tr.t[-1] < 0.5 + 1e-6  # the exact solution blows up at t = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = dl.gradient_flow([np.ones((1, 1))] * 2, None, (0.0, 1.0), end_to_end_loss=Explosive(), warn=False,
                                 events=("blowup",))
    assert quiet.status == "blowup"


def test_trajectory_contents():
    rng = np.random.default_rng(3)
    d = (2, 3, 2)
    W0 = dl.random_init(d, rng)
    S = np.diag([2.0, 1.0])
    t = np.linspace(0, 1, 6)
    tr = dl.gradient_flow(W0, S, (0.0, 1.0), t_eval=t)
    assert tr.t.shape == (6,) and len(tr.weights) == 6 and tr.end_to_end.shape == (6, 2, 2)
    assert len(tr.conserved) == 6 and tr.conserved[0][0].shape == (3, 3)
    np.testing.assert_allclose(tr.end_to_end[3], tr.weights[3][1] @ tr.weights[3][0])
    assert tr.loss[3] == pytest.approx(dl.loss(tr.weights[3], S))
    assert tr.gradient_norm[3] == pytest.approx(np.sqrt(sum(np.sum(g * g) for g in dl.gradient(tr.weights[3], S))))
    for a, b in zip(tr.weights_at(0.6), tr.weights[3]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    assert tr.conserved_drift[0] == 0.0
    assert "Trajectory(" in repr(tr)
    with pytest.raises(ValueError, match="outside the integrated interval"):
        tr.weights_at(1.5)
    with pytest.raises(ValueError):
        tr.t[0] = 5.0  # read-only


def test_bad_inputs():
    W = [np.ones((3, 2)), np.ones((2, 3))]
    S = np.eye(2)
    with pytest.raises(ValueError, match="t0 < t1"):
        dl.gradient_flow(W, S, (5.0, 1.0))
    with pytest.raises(ValueError, match="t0 < t1"):
        dl.gradient_flow(W, S, (0.0, 0.0))
    with pytest.raises(ValueError, match="t0 < t1"):
        dl.gradient_flow(W, S, -1.0)
    with pytest.raises(ValueError, match="finite"):
        dl.gradient_flow(W, S, (0.0, np.nan))
    with pytest.raises(TypeError, match="pair"):
        dl.gradient_flow(W, S, (0.0, 1.0, 2.0))
    with pytest.raises(ValueError, match="within t_span"):
        dl.gradient_flow(W, S, (0.0, 1.0), t_eval=[0.5, 2.0])
    with pytest.raises(ValueError, match="sorted"):
        dl.gradient_flow(W, S, (0.0, 1.0), t_eval=[0.5, 0.2])
    with pytest.raises(ValueError, match="Sigma has shape \\(3, 3\\)"):
        dl.gradient_flow(W, np.eye(3), (0.0, 1.0))
    with pytest.raises(ValueError, match="non-finite"):
        dl.gradient_flow([np.ones((3, 2)), np.full((2, 3), np.inf)], S, (0.0, 1.0))
    with pytest.raises(ValueError, match="W_2 has shape"):
        dl.gradient_flow([np.ones((3, 2)), np.ones((2, 4))], S, (0.0, 1.0))
    with pytest.raises(ValueError, match="either Sigma"):
        dl.gradient_flow(W, S, (0.0, 1.0), end_to_end_loss=losses.quadratic(S))
    with pytest.raises(ValueError, match="Sigma is required"):
        dl.gradient_flow(W, None, (0.0, 1.0))
    with pytest.raises(ValueError, match="rtol must be positive"):
        dl.gradient_flow(W, S, (0.0, 1.0), rtol=-1e-8)
    with pytest.raises(ValueError, match="max_step"):
        dl.gradient_flow(W, S, (0.0, 1.0), max_step="fast")
    with pytest.raises(ValueError, match="unknown event name 'plateaux'"):
        dl.gradient_flow(W, S, (0.0, 1.0), events=("plateaux",))
    with pytest.raises(ValueError, match="does not take options"):
        dl.gradient_flow(W, S, (0.0, 1.0), events={"plateau": {"loss_tol": 1.0}})
    with pytest.raises(ValueError, match="expects an end-to-end map"):
        dl.gradient_flow(W, None, (0.0, 1.0), end_to_end_loss=losses.quadratic(np.eye(3)))
    with pytest.raises(ValueError, match="not finite at weights0"):
        dl.gradient_flow([np.full((1, 1), 1e200)] * 2, np.eye(1), (0.0, 1.0))


#: The linear loss -<Sigma, P>, whose flow blows up in finite time for h >= 3.
_LINEAR = dl.linear(np.diag([3.0, 2.0, 1.0]))


def test_blowup_event_stops_a_finite_time_blowup():
    # the norm bound 1e8 is reached only within float spacing of the singular time: the run
    # must end as a blow-up (step size underflow with a huge norm), not as a failed step
    Z = dl.random_init((3, 3, 3, 3, 3), np.random.default_rng(1), 1.0)
    tr = dl.gradient_flow(Z, None, (0.0, 100.0), end_to_end_loss=_LINEAR,
                          events={"blowup": {"bound": 1e8}}, warn=False)
    assert tr.status == "blowup", tr.message
    assert tr.t[-1] < 100.0 and "blow-up near t" in tr.message
    moderate = dl.gradient_flow(Z, None, (0.0, 100.0), end_to_end_loss=_LINEAR,
                                events={"blowup": {"bound": 1e4}}, warn=False, method="LSODA")
    assert moderate.status == "blowup" and "reached the bound" in moderate.message


def test_lsoda_blowup_event_at_the_start_of_a_step_gives_a_valid_run():
    # issue 13: LSODA's last steps near the singular time are ~1e-14 long, and the event's root
    # (brentq, absolute xtol 4 eps) lands on the step's start: the run ended with a repeated
    # node and OdeSolution raised "`ts` must be strictly increasing"
    W0 = dl.random_init((3,) * 5, np.random.default_rng(19), 1.0)
    tr = dl.gradient_flow(W0, None, (0.0, 1e4), end_to_end_loss=_LINEAR, events={"blowup": {"bound": 1e6}},
                          method="LSODA", max_step=np.inf, rtol=1e-9, atol=1e-13, warn=False)
    assert tr.status == "blowup" and "reached the bound" in tr.message
    assert np.all(np.diff(tr.t) > 0)
    assert tr.t_stop == tr.t[-1] == tr.events["blowup"][0]
    # the root is located to solve_ivp's absolute time tolerance (4 eps), coarse this close to the singularity
    assert max(np.linalg.norm(w) for w in tr.weights[-1]) == pytest.approx(1e6, rel=1e-3)
    for s in (tr.t[-2], tr.t_stop, 0.5 * (tr.t[-3] + tr.t[-2])):
        assert np.all(np.isfinite(np.concatenate([w.ravel() for w in tr.weights_at(s)])))
    end = tr.weights_at(tr.t_stop)
    assert all(np.allclose(a, b, rtol=1e-6) for a, b in zip(end, tr.weights[-1]))


def test_lsoda_steps_that_stop_advancing_at_a_blowup_end_the_run_as_a_blowup():
    # LSODA's steps shrink to an ulp before the singular time, then one ends where the previous
    # one did: that is the step size underflowing (before issue 13 the loop went on, and the
    # event root finder failed on a degenerate step with a FloatingPointError)
    Z = dl.random_init((3, 3, 3, 3, 3), np.random.default_rng(1), 1.0)
    tr = dl.gradient_flow(Z, None, (0.0, 100.0), end_to_end_loss=_LINEAR, events={"blowup": {"bound": 1e8}},
                          warn=False, method="LSODA", max_step=np.inf, rtol=1e-12)
    assert tr.status == "blowup" and "step size underflowed" in tr.message, tr.message
    assert np.all(np.diff(tr.t) > 0) and tr.t_stop == tr.t[-1] < 1.0
    assert max(np.linalg.norm(w) for w in tr.weights[-1]) > 1e6
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in tr.weights_at(tr.t_stop)]),
                               np.concatenate([w.ravel() for w in tr.weights[-1]]), rtol=1e-9)




# --------------------------------------------------------------------------- tolerance study and explorer data


def test_tolerance_study_orders_the_settings():
    study = dl.tolerance_study(t_max=8.0, num=81)
    errors = list(study.max_error.values())
    assert errors[0] < 1e-7 < errors[1] < 1e-2 < errors[2]
    assert np.allclose(study.exact[0], 7.0, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"singular_values": ()}, "singular_values"), ({"a0": 0.0}, "a0"), ({"h": 0}, "depth"),
     ({"settings": {}}, "settings")],
)
def test_tolerance_study_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dl.tolerance_study(**kwargs)


def test_tolerance_study_bounds_t_max_by_the_time_the_exact_flow_converges():
    # issue 13: t_max = 1e200 ran the loose settings (which never meet the stop) to max_steps.
    # The exact loss of diag(2, 1) from a0 = 1e-3, h = 2 is within 1e-12 ||sigma||^2 of its
    # minimum by T = max_k learning_time(a0^2, sigma_k - delta_k): the study allows up to 10 T.
    T = max(dl.learning_time(1e-6, s - np.sqrt(2e-12 * 5.0 / 2), s, 2) for s in (2.0, 1.0))
    assert dl.mode_loss(T, 1e-6, (2.0, 1.0), 2) <= 1.0001e-12 * 5.0
    for t_max in (1e200, 1e6, 10.5 * T):
        expected = rf"t_max = {re.escape(f'{t_max:g}')}.*converged by t = {T:.4g}.*at most {10 * T:.4g}"
        with pytest.raises(dl.InvalidArgumentError, match=expected):
            dl.tolerance_study((2.0, 1.0), 1e-3, 2, t_max, num=5)
    study = dl.tolerance_study((2.0, 1.0), 1e-3, 2, 9.5 * T, num=5)  # the loose settings run to the end
    assert study.t[-1] == 9.5 * T and all(np.isfinite(e) for e in study.max_error.values())


def test_flow_scrub_prepare_integrates_once():
    prepared = dl.flow_scrub_prepare(2, 0.3, t_max=6.0)
    assert isinstance(prepared, dl.flow.ScrubbedFlow)
    assert prepared.trajectory.widths == (3, 3, 3)
    assert prepared.trajectory.t.size == 481 and prepared.trajectory.t[-1] == 6.0


@pytest.mark.parametrize("kwargs, match", [({"h": 0, "scale": 0.1}, "depth"), ({"h": 2, "scale": -1.0}, "scale")])
def test_flow_scrub_prepare_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dl.flow_scrub_prepare(**kwargs)


# --------------------------------------------------------------------------- stopping


#: The issue's problem: depth 4, width 10, small random start, through every plateau.
S_ISSUE = np.diag(np.linspace(5.0, 1.0, 10))


def _issue_start():
    return dl.random_init((10,) * 5, np.random.default_rng(1), 0.05)


def test_a_huge_t_span_stops_at_convergence():
    tr = dl.gradient_flow(_issue_start(), S_ISSUE, (0.0, 1e9), t_eval=[0.0, 1e3, 1e9])
    assert tr.status == "converged" and tr.success and "converged at t" in tr.message
    assert 1000.0 < tr.t_stop < 1500.0  # the last plateau ends near t = 1110
    assert tr.nfev < 200_000  # the work of about t_stop, not of 1e9
    # requested times after the stop hold the final weights (and so does weights_at)
    np.testing.assert_array_equal(tr.t, [0.0, 1e3, 1e9])
    assert tr.loss[-1] < 1e-20 and tr.gradient_norm[-1] <= 1e-12 * np.linalg.norm(S_ISSUE) ** 1.75
    for a, b in zip(tr.weights_at(5e8), tr.weights[-1]):
        np.testing.assert_array_equal(a, b)
    # without t_eval the trajectory ends where the run stopped
    steps = dl.gradient_flow(_issue_start(), S_ISSUE, (0.0, 1e9))
    assert steps.status == "converged" and steps.t[-1] == steps.t_stop == tr.t_stop


def test_the_default_stop_does_not_fire_on_a_plateau():
    """From a tiny aligned start the flow rests near the saddles where the first 1 and 2 modes
    are learnt, with a gradient far below the tolerance; the loss test keeps it going."""
    W0 = dl.aligned_init((3, 3, 3, 3), 1e-3)  # h = 3: plateaus of length ~ 1/(sigma a0)
    S = np.diag([3.0, 2.0, 1.0])
    tr = dl.gradient_flow(W0, S, (0.0, 1e6), events=("plateau",))
    assert tr.status == "converged" and tr.loss[-1] < 1e-20
    # it passed through the plateaus: the smallest gradient norm on the way was far below the
    # gradient tolerance only at the end, and the plateau (loss 1/2 sigma_3^2) was left
    assert tr.events["plateau_exit"].size >= 2
    on_plateau = (tr.loss > 0.4) & (tr.loss < 0.6)
    assert np.any(on_plateau) and tr.t[on_plateau][-1] < tr.t_stop


def _stable_ray_start(a=0.1):
    """Sigma = diag(3, 2), widths (2, 2, 2): the saddle that has learnt sigma_1 (loss 2), plus ``a``
    on the stable ray w_1 = -w_2 of the second mode (the flow returns to the saddle)."""
    W = [np.diag([np.sqrt(3.0), -a]), np.diag([np.sqrt(3.0), a])]
    return W, np.diag([3.0, 2.0])


def test_stop_at_critical_point_stops_at_the_saddle_a_flow_converges_to():
    W0, S = _stable_ray_start()
    tr = dl.gradient_flow(W0, S, (0.0, 1e9), t_eval=[0.0, 1.0, 1e9], stop_at="critical point")
    assert tr.status == "converged" and 10.0 < tr.t_stop < 30.0  # |a| ~ 0.1 e^{-2t}
    assert "saddle" in tr.message and "loss 2," in tr.message and "global minimum 0" in tr.message
    assert abs(tr.loss[-1] - 2.0) < 1e-20 and tr.gradient_norm[-1] <= 1e-12 * np.linalg.norm(S) ** 1.5
    np.testing.assert_array_equal(tr.t, [0.0, 1.0, 1e9])
    # by default the flow never stops at a saddle: it runs on (here to max_steps)
    with pytest.warns(RuntimeWarning, match="max_steps"):
        default = dl.gradient_flow(W0, S, (0.0, 1e9), max_steps=500)
    assert default.status == "max steps"
    # a flow that reaches the global minimum says so under either rule, at the same time
    W1 = dl.random_init((2, 2, 2), np.random.default_rng(0), 0.3)
    a = dl.gradient_flow(W1, S, (0.0, 1e9), stop_at="critical point")
    b = dl.gradient_flow(W1, S, (0.0, 1e9))
    assert a.status == b.status == "converged" and "saddle" not in a.message and "global minimum" in a.message
    assert a.t_stop <= b.t_stop and abs(a.loss[-1]) < 1e-20


def test_stop_at_is_checked():
    W0, S = _stable_ray_start()
    with pytest.raises(ValueError, match="stop_at.*'global minimum'.*'critical point'.*'saddle'"):
        dl.gradient_flow(W0, S, 1.0, stop_at="saddle")
    with pytest.raises(TypeError, match="stop_at"):
        dl.gradient_flow(W0, S, 1.0, stop_at=1)


def test_stop_tol_none_integrates_to_the_end_and_results_match_before_the_stop():
    W0 = dl.aligned_init((3, 3, 3), 1e-3)
    t = np.linspace(0.0, 40.0, 9)
    full = dl.gradient_flow(W0, SIGMA3, (0.0, 40.0), t_eval=t, stop_tol=None)
    stopped = dl.gradient_flow(W0, SIGMA3, (0.0, 40.0), t_eval=t)
    assert full.status == "completed" and full.t_stop == 40.0
    assert stopped.status == "converged" and stopped.t_stop < 40.0
    before = t <= stopped.t_stop
    np.testing.assert_array_equal(stopped.loss[before], full.loss[before])  # the same steps
    np.testing.assert_allclose(stopped.end_to_end[~before], full.end_to_end[~before], atol=1e-11)


def test_rank_deficient_network_converges_to_the_eckart_young_minimum():
    # widths (3, 2, 3): the minimum leaves sigma_3 = 1 unlearnt, L* = 1/2
    W0 = dl.random_init((3, 2, 3), np.random.default_rng(0), 0.1)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 1e8))
    assert tr.status == "converged" and abs(tr.loss[-1] - 0.5) < 1e-11


def test_max_steps_stops_with_a_warning():
    with pytest.warns(RuntimeWarning, match="max_steps = 5"):
        tr = dl.gradient_flow(_issue_start(), S_ISSUE, (0.0, 1e9), max_steps=5)
    assert tr.status == "max steps" and not tr.success and tr.t.size == 6 and tr.t_stop == tr.t[-1]


def test_a_general_loss_does_not_stop_by_default_but_with_the_convergence_event():
    ell = losses.huber(SIGMA3, delta=10.0)  # no known minimum (no rank_constrained_minimum)
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(0), 0.5)
    tr = dl.gradient_flow(W0, None, (0.0, 30.0), end_to_end_loss=ell, t_eval=[0.0, 30.0])
    assert tr.status == "completed"
    ev = dl.gradient_flow(W0, None, (0.0, 1e9), end_to_end_loss=ell, events={"convergence": {"loss_tol": 1e-20}})
    assert ev.status == "converged"


def test_a_loss_object_with_a_known_minimum_stops_as_the_quadratic_loss_does():
    W0 = dl.random_init((3, 2, 3), np.random.default_rng(0), 0.5)
    by_object = dl.gradient_flow(W0, None, (0.0, 1e9), end_to_end_loss=losses.quadratic(SIGMA3))
    by_sigma = dl.gradient_flow(W0, SIGMA3, (0.0, 1e9))
    assert by_object.status == by_sigma.status == "converged"
    assert abs(by_object.t_stop - by_sigma.t_stop) < 0.05 * by_sigma.t_stop  # step caps differ a little
    for tr in (by_object, by_sigma):
        assert "global minimum 0.5" in tr.message and abs(tr.loss[-1] - 0.5) < 1e-12


def test_stop_arguments_are_checked():
    W0 = dl.aligned_init((2, 2, 2), 0.1)
    with pytest.raises(ValueError, match="stop_tol"):
        dl.gradient_flow(W0, np.eye(2), 1.0, stop_tol=-1.0)
    with pytest.raises(ValueError, match="max_steps"):
        dl.gradient_flow(W0, np.eye(2), 1.0, max_steps=0)
    with pytest.raises(ValueError, match="method must be one of"):
        dl.gradient_flow(W0, np.eye(2), 1.0, method="Euler")


def _flow_4x4():
    from deeplinear._flow_core import _make_rhs, _max_step
    from deeplinear.trajectory import _Packer

    W0 = dl.random_init((4, 4, 4, 4), np.random.default_rng(2), 0.3)
    S = np.diag([3.0, 2.0, 1.5, 1.0])
    packer = _Packer([w.shape for w in W0])
    kw = {"method": "DOP853", "rtol": 1e-10, "atol": 1e-14, "max_step": _max_step("auto", W0, S)}
    return W0, S, packer, _make_rhs(packer, S), kw


class _PythonDOP853(DOP853):
    """scipy's own DOP853 under another name: gradient_flow then runs its Python step loop."""


def test_the_python_loop_makes_no_more_evaluations_than_solve_ivp_and_the_same_steps():
    W0, S, packer, rhs, kw = _flow_4x4()
    for t_eval in (None, [20.0], np.linspace(0.0, 20.0, 41)):
        ref = solve_ivp(rhs, (0.0, 20.0), packer.pack(W0), t_eval=t_eval, **kw)
        tr = dl.gradient_flow(W0, S, (0.0, 20.0), t_eval=t_eval, stop_tol=None, method=_PythonDOP853)
        assert tr.nfev == ref.nfev
        np.testing.assert_array_equal(tr.t, ref.t)
        np.testing.assert_array_equal(np.array([packer.pack(W) for W in tr.weights]).T, ref.y)
    # weights_at recomputes a step: it agrees with solve_ivp's dense output
    dense = solve_ivp(rhs, (0.0, 20.0), packer.pack(W0), dense_output=True, **kw).sol
    tq = np.array([0.0, 0.37, 7.1, 13.3, 20.0])
    got = np.array([packer.pack(W) for W in tr.weights_at(tq)]).T
    np.testing.assert_allclose(got, dense(tq), rtol=0, atol=1e-14)


@pytest.fixture
def compiled_runs(monkeypatch):
    """Counts the runs of the compiled loop."""
    import deeplinear._flow_solver as fs

    calls = []
    original = fs._run_compiled

    def spy(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(fs, "_run_compiled", spy)
    return calls


def test_the_compiled_dop853_agrees_with_solve_ivp_at_about_the_same_cost(compiled_runs):
    # the default path runs Hairer's DOP853 (scipy.integrate.ode): the same method, a slightly
    # different step-size controller (here 118 steps against solve_ivp's 108; on the benchmark's
    # flow 12791 against 12699), so the evaluations agree to a margin and the states to the tolerance
    W0, S, packer, rhs, kw = _flow_4x4()
    for t_eval in (None, [5.0, 10.0, 20.0]):
        ref = solve_ivp(rhs, (0.0, 20.0), packer.pack(W0), t_eval=t_eval, **kw)
        tr = dl.gradient_flow(W0, S, (0.0, 20.0), t_eval=t_eval, stop_tol=None)
        assert tr.status == "completed" and tr.t_stop == 20.0
        # a step that holds an output time is recomputed: 16 evaluations, against solve_ivp's 3 (its dense output)
        k = 0 if t_eval is None else len(t_eval)
        assert tr.nfev <= 1.10 * (ref.nfev - 3 * k) + 16 * k
        if t_eval is None:
            assert abs(tr.t.size - ref.t.size) <= 0.1 * ref.t.size
            ref_y = solve_ivp(rhs, (0.0, 20.0), packer.pack(W0), t_eval=tr.t, **kw).y
        else:
            np.testing.assert_array_equal(tr.t, ref.t)
            ref_y = ref.y
        got = np.array([packer.pack(W) for W in tr.weights]).T
        np.testing.assert_allclose(got, ref_y, rtol=0, atol=1e-9 * np.max(np.abs(ref_y)))
    assert len(compiled_runs) == 2


def test_dense_output_times_take_the_python_loop(compiled_runs):
    # the cost rule: more output times than a quarter of the steps the step cap forces -> the
    # Python loop, whose dense output costs 3 evaluations instead of a recomputed step's 16
    W0, S, _, _, kw = _flow_4x4()
    n_min = 20.0 / kw["max_step"]  # the fewest steps the cap allows, about 65
    dense = dl.gradient_flow(W0, S, (0.0, 20.0), t_eval=np.linspace(0.0, 20.0, int(n_min)))
    assert compiled_runs == []
    sparse = dl.gradient_flow(W0, S, (0.0, 20.0), t_eval=np.linspace(0.0, 20.0, int(n_min / 4)))
    assert len(compiled_runs) == 1
    np.testing.assert_allclose(sparse.weights_at(7.3)[0], dense.weights_at(7.3)[0], rtol=0, atol=1e-9)
    dl.gradient_flow(W0, S, (0.0, 20.0), max_step=np.inf, t_eval=[10.0])  # no cap: no guarantee
    dl.gradient_flow(W0, S, (0.0, 20.0), method="LSODA")
    assert len(compiled_runs) == 1
    dl.gradient_flow(W0, S, (0.0, 20.0), method="RK45")
    assert compiled_runs[-1] is RK45


def test_a_compiled_step_recomputed_by_scipy_ends_where_the_compiled_step_ended():
    # weights_at and the t_eval outputs recompute a step of Hairer's DOP853 with scipy's DOP853
    # (same tableau): from the step's start and length it must land on the step's end
    from deeplinear._flow_solver import _recomputed_step

    W0, _, packer, rhs, kw = _flow_4x4()
    for cls, name in ((DOP853, "dop853"), (RK45, "dopri5")):
        steps = []
        r = ode(rhs).set_integrator(name, rtol=1e-10, atol=1e-14, nsteps=10**6, max_step=kw["max_step"])
        r.set_solout(lambda t, y, steps=steps: steps.append((t, y.copy())))
        r.set_initial_value(packer.pack(W0), 0.0)
        r.integrate(20.0)
        assert len(steps) > 50
        for (ta, ya), (tb, yb) in itertools.pairwise(steps):
            end = _recomputed_step(cls, rhs, ta, ya, tb, {}).y
            np.testing.assert_allclose(end, yb, rtol=0, atol=4e-15 * np.max(np.abs(yb)))


def test_the_fast_path_and_the_python_loop_agree_with_the_mode_solutions(compiled_runs):
    # aligned start: every mode follows the closed form; both paths are accurate to the same order
    W0 = dl.aligned_init((3, 3, 3, 3), 0.05)
    s = np.array([3.0, 2.0, 1.0])
    t = np.linspace(0.1, 39.9, 81)
    errors = {}
    for method in ("DOP853", _PythonDOP853, "RK45"):
        tr = dl.gradient_flow(W0, np.diag(s), (0.0, 40.0), stop_tol=None, method=method)
        errors[method] = float(np.max(np.abs(tr.loss - dl.mode_loss(tr.t, 0.05**3, s, 3))))
        dense = np.array([dl.loss(w, np.diag(s)) for w in tr.weights_at(t)])
        assert np.max(np.abs(dense - dl.mode_loss(t, 0.05**3, s, 3))) < 1e-7, method
    assert len(compiled_runs) == 2
    assert errors["DOP853"] < 1e-8 and errors[_PythonDOP853] < 1e-8, errors


def test_a_flow_started_inside_an_event_falls_back_to_the_python_loop(compiled_runs):
    # the compiled dop853 is not re-entrant: a flow started while one runs uses scipy's loop
    import deeplinear._flow_solver as fs

    S = np.diag([2.0, 1.0])
    W0 = dl.random_init((2, 2, 2), np.random.default_rng(0), 0.1)
    inner = []

    def probe(t, weights):
        if t > 0.0 and len(inner) < 2:  # t = t0: the events' first values, before the run starts
            inner.append((fs._COMPILED_LOCK.locked(), dl.gradient_flow(weights, S, (0.0, 1.0))))
        return 1.0

    outer = dl.gradient_flow(W0, S, (0.0, 5.0), events=[probe])
    alone = dl.gradient_flow(W0, S, (0.0, 5.0))
    assert outer.status == alone.status == "completed" and not fs._COMPILED_LOCK.locked()
    np.testing.assert_array_equal(outer.weights[-1][0], alone.weights[-1][0])
    assert len(inner) == 2 and all(locked for locked, _ in inner)
    assert all(tr.status == "completed" and tr.t_stop == 1.0 for _, tr in inner)
    assert len(compiled_runs) == 2  # outer and alone; the inner flows took the Python loop


def test_an_exception_in_a_callback_of_the_compiled_solver_propagates_unchanged(compiled_runs):
    S = np.diag([2.0, 1.0])
    W0 = dl.random_init((2, 2, 2), np.random.default_rng(0), 0.1)

    def boom(t, weights):
        if t > 1.0:
            raise KeyError("from the event")
        return 1.0

    with pytest.raises(KeyError, match="from the event"):
        dl.gradient_flow(W0, S, (0.0, 5.0), events=[boom])

    class Failing:
        shape = (2, 2)
        calls = 0

        def value(self, P):
            return 0.5 * float(np.sum(P * P))

        def gradient(self, P):
            Failing.calls += 1
            if Failing.calls > 40:
                raise ZeroDivisionError("from the loss")
            return P

    with pytest.raises(ZeroDivisionError, match="from the loss"):
        dl.gradient_flow(W0, None, (0.0, 5.0), end_to_end_loss=Failing())
    assert Failing.calls == 41  # the solver made no more calls after the exception
    assert len(compiled_runs) == 2
    # and the next flow runs normally
    assert dl.gradient_flow(W0, S, (0.0, 1.0)).status == "completed"


# --------------------------------------------------------------------------- many starts at once


def test_batch_matches_single_flows():
    S = np.diag([3.0, 2.0, 1.0])
    starts = [dl.random_init((3, 4, 2, 3), np.random.default_rng(s), 0.2) for s in range(4)]
    t = np.linspace(0.0, 15.0, 16)
    batch = dl.gradient_flow_batch(starts, S, (0.0, 15.0), t_eval=t, stop_tol=None)
    assert len(batch) == 4
    for W0, tr in zip(starts, batch):
        alone = dl.gradient_flow(W0, S, (0.0, 15.0), t_eval=t, stop_tol=None)
        assert tr.status == "completed" and tr.widths == alone.widths
        np.testing.assert_allclose(tr.loss, alone.loss, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(tr.end_to_end, alone.end_to_end, rtol=0, atol=1e-8)
        assert tr.conserved_drift.max() < 1e-9
        for a, b in zip(tr.weights_at(7.3), alone.weights_at(7.3)):
            np.testing.assert_allclose(a, b, atol=1e-8)


def test_batch_stops_when_every_member_has_converged():
    starts = [_issue_start(), dl.random_init((10,) * 5, np.random.default_rng(2), 0.05)]
    trs = dl.gradient_flow_batch(starts, S_ISSUE, (0.0, 1e9))
    assert [tr.status for tr in trs] == ["converged"] * 2
    assert all(tr.loss[-1] < 1e-18 for tr in trs) and trs[0].t_stop == trs[1].t_stop > 1000.0


def test_batch_with_weight_decay_agrees_with_single_flows():
    # the batch flow takes weight_decay= with the meaning, name and validation of gradient_flow's
    S = np.diag([3.0, 2.0, 1.0])
    starts = [dl.random_init((3, 4, 2, 3), np.random.default_rng(s), 0.3) for s in range(3)]
    t = np.linspace(0.0, 12.0, 13)
    batch = dl.gradient_flow_batch(starts, S, (0.0, 12.0), t_eval=t, weight_decay=0.2, stop_tol=None)
    plain = dl.gradient_flow_batch(starts, S, (0.0, 12.0), t_eval=t, stop_tol=None)
    for W0, tr, tr0 in zip(starts, batch, plain):
        alone = dl.gradient_flow(W0, S, (0.0, 12.0), t_eval=t, weight_decay=0.2, stop_tol=None)
        np.testing.assert_allclose(tr.loss, alone.loss, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(tr.gradient_norm, alone.gradient_norm, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(tr.end_to_end, alone.end_to_end, rtol=0, atol=1e-8)
        assert tr.conserved_drift[-1] > 1e-3 and abs(tr0.loss[-1] - tr.loss[-1]) > 1e-3  # the decay acts
    # the stop of a regularised flow is on the gradient alone, as in gradient_flow
    long = dl.gradient_flow_batch(starts, S, (0.0, 1e9), weight_decay=0.2)
    assert {tr.status for tr in long} == {"converged"} and "regularised" in long[0].message
    assert max(tr.gradient_norm[-1] for tr in long) < 1e-11
    for bad, err in ((-0.1, ValueError), (np.nan, ValueError), ("abc", TypeError)):
        with pytest.raises(err, match="weight_decay"):
            dl.gradient_flow_batch(starts, S, 1.0, weight_decay=bad)


def test_batch_rejects_bad_input():
    W = dl.aligned_init((2, 2, 2), 0.1)
    with pytest.raises(ValueError, match="at least one start"):
        dl.gradient_flow_batch([], np.eye(2), 1.0)
    with pytest.raises(ValueError, match=r"weights0_list\[1\] has widths"):
        dl.gradient_flow_batch([W, dl.aligned_init((2, 3, 2), 0.1)], np.eye(2), 1.0)
    with pytest.raises(ValueError, match="explicit|supports method"):
        dl.gradient_flow_batch([W], np.eye(2), 1.0, method="LSODA")
    with pytest.raises(TypeError, match="list of initial weight lists"):
        dl.gradient_flow_batch(np.ones((2, 2)), np.eye(2), 1.0)


def test_study_arguments_are_validated_with_named_errors():
    # issue 13: string or complex singular values reached numpy, and a0 = 1e200 overflowed in a0**h
    for bad in ("abc", [1.0, "a"], [2.0, 1j]):
        with pytest.raises(TypeError, match="singular_values"):
            dl.tolerance_study(bad, 1e-3, 2, 2.0, num=5)
        with pytest.raises(TypeError, match="singular_values"):
            dl.flow_scrub_prepare(2, 0.3, singular_values=bad, t_max=2.0)
    with pytest.raises(dl.NonFiniteResultError, match="tolerance_study.*a0"):
        dl.tolerance_study((2.0, 1.0), 1e200, 2, 2.0, num=5)


def test_tolerance_study_names_a_setting_that_stops_early():
    with pytest.raises(dl.ConvergenceError, match="setting 'capped'.*stopped early"):
        dl.tolerance_study((2.0, 1.0), 1e-3, 2, 4.0, num=5, settings={"capped": {"max_steps": 2}})


def test_a_failing_compiled_run_prints_nothing_and_reports_the_failure(capfd, compiled_runs):
    # Hairer's code prints its failures (and stops "stiff" problems) unless told not to: the
    # reader's notebook must see only the run's status and message
    Z = dl.random_init((3, 3, 3, 3, 3), np.random.default_rng(1), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scipy UserWarning either
        tr = dl.gradient_flow(Z, None, (0.0, 100.0), end_to_end_loss=_LINEAR, warn=False, max_step=np.inf)
    assert compiled_runs and tr.status == "blowup" and "dop853 returned -3" in tr.message, tr.message
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    # a flow whose steps sit on the stability limit for thousands of steps is not stopped as
    # "stiff" (with Hairer's stiffness test on, dop853 stops this one at t = 3.4 with code -4)
    W0 = dl.aligned_init((2, 2, 2), 1.0)
    tr = dl.gradient_flow(W0, np.diag([1000.0, 500.0]), (0.0, 20.0), max_step=np.inf, stop_tol=None, rtol=1e-6)
    assert tr.status == "completed" and tr.t_stop == 20.0, tr.message
    assert len(compiled_runs) == 2
    assert capfd.readouterr() == ("", "")


def test_the_compiled_loop_stops_and_finds_events_as_the_python_loop_does(compiled_runs):
    # stopping rules and events are the shared bookkeeping of both loops: same statuses, same
    # event times (to the tolerance), the same number of steps at max_steps
    S = np.diag([3.0, 2.0, 1.0])
    W0 = dl.random_init((3, 3, 3), np.random.default_rng(4), 1e-3)

    def half(t, weights):
        return dl.loss(weights, S) - 3.0

    half.direction = -1.0
    runs = {}
    for method in ("DOP853", _PythonDOP853):
        runs[method] = (
            dl.gradient_flow(W0, S, (0.0, 1e6), method=method),  # converges
            dl.gradient_flow(W0, S, (0.0, 50.0), method=method, max_steps=40, warn=False),
            dl.gradient_flow(W0, S, (0.0, 50.0), method=method, events=[half, "plateau"], stop_tol=None),
            dl.gradient_flow(W0, S, (0.0, 50.0), method=method, events={"convergence": {"loss_tol": 1e-6}}),
        )
    assert len(compiled_runs) == 4
    (conv_c, steps_c, ev_c, term_c), (conv_p, steps_p, ev_p, term_p) = runs["DOP853"], runs[_PythonDOP853]
    assert conv_c.status == conv_p.status == "converged"
    assert conv_c.t_stop == pytest.approx(conv_p.t_stop, rel=0.05) and conv_c.loss[-1] < 1e-12
    assert steps_c.status == steps_p.status == "max steps" and steps_c.t.size == steps_p.t.size == 41
    assert ev_c.status == "completed" and set(ev_c.events) == set(ev_p.events)
    for name in ev_p.events:
        assert ev_c.events[name].size == ev_p.events[name].size > 0, name
        np.testing.assert_allclose(ev_c.events[name], ev_p.events[name], rtol=1e-7)
    assert term_c.status == term_p.status == "converged"
    assert term_c.t_stop == pytest.approx(term_p.t_stop, rel=1e-7) and term_c.t[-1] == term_c.t_stop
