"""Tests of deeplinear.fibres: fibres of the multiplication map, paths in them, level sets."""

from __future__ import annotations

import numpy as np
import pytest

import deeplinear as dl


S321 = np.diag([3.0, 2.0, 1.0])


S32 = np.diag([3.0, 2.0])


def test_sample_fiber_gl_orbit_keeps_product_and_criticality_but_not_invariants():
    cp = dl.critical_point((1,), np.diag([3.0, 2.0]), (2, 2, 2, 2))
    fs = dl.sample_fiber(cp, None, np.random.default_rng(0), n=4, kind="gl", scale=1.5)
    assert len(fs) == 4 and "critical" in repr(fs)
    assert max(fs.product_error) < 1e-12
    np.testing.assert_allclose(fs.losses, cp.value, atol=1e-12)
    assert all(fs.critical)
    assert max(max(c) for c in fs.imbalance) > 0.1  # conserved quantities vary within the fibre
    assert max(fs.norms) > fs.base_norm
    # classify agrees along the orbit (Sylvester: the inertia is unchanged)
    kinds = {dl.classify(p, cp.Sigma).kind for p in fs.points}
    assert kinds == {"non-strict saddle"}


def test_sample_fiber_norms_grow_without_bound():
    cp = dl.critical_point((1, 2), np.diag([3.0, 2.0]), (2, 3, 2))
    norms = [max(dl.sample_fiber(cp, None, np.random.default_rng(1), n=3, scale=s).norms) for s in (0.5, 2.0, 6.0, 12.0)]
    assert norms[0] < norms[1] < norms[2] < norms[3] and norms[3] > 100


def test_sample_fiber_orthogonal_preserves_norms_and_imbalance():
    rng = np.random.default_rng(4)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 3))]
    Sigma = np.diag([2.0, 1.0])
    fs = dl.sample_fiber(W, Sigma, rng, n=3, kind="orthogonal", scale=2.0)
    np.testing.assert_allclose(fs.norms, fs.base_norm)
    base_imb = tuple(np.linalg.norm(c) for c in dl.conserved_quantities(W))
    for imb in fs.imbalance:
        np.testing.assert_allclose(imb, base_imb)
    assert not any(fs.critical)  # a random point is not critical, nor are its images


def test_sample_fiber_factorisation_leaves_the_orbit_and_can_lose_criticality():
    Sigma = np.diag([3.0, 2.0])
    origin = dl.critical_point((), Sigma, (2, 2, 2))
    fs = dl.sample_fiber(origin, None, np.random.default_rng(0), n=3, kind="factorisation")
    assert max(fs.product_error) < 1e-12
    np.testing.assert_allclose(fs.losses, 6.5)
    assert not any(fs.critical)  # (X, 0) is not critical (claim 32's phenomenon)
    # h = 3 origin: null-space moves stay in the fibre; the origin's orbit is a point
    o3 = dl.critical_point((), Sigma, (2, 2, 2, 2))
    fs3 = dl.sample_fiber(o3, None, 5, n=2, kind="factorisation")
    assert min(fs3.norms) > 0 and max(fs3.product_error) < 1e-12
    # an invertible product with equal widths: the fibre is one orbit, nothing to add
    top = dl.critical_point((1, 2), Sigma, (2, 2, 2))
    fst = dl.sample_fiber(top, None, 0, n=2, kind="factorisation")
    for p in fst.points:
        np.testing.assert_allclose(p, top.weights, atol=1e-12)


def test_sample_fiber_bad_input():
    cp = dl.critical_point((), np.diag([1.0]), (1, 1, 1))
    with pytest.raises(ValueError, match="kind"):
        dl.sample_fiber(cp, None, 0, kind="bogus")
    with pytest.raises(ValueError, match="Sigma is needed"):
        dl.sample_fiber([np.eye(1), np.eye(1)], None, 0)
    with pytest.raises(TypeError, match="Generator"):
        dl.sample_fiber(cp, None, "seed")


@pytest.mark.parametrize(
    "subset, Sigma, widths",
    [
        ((1,), np.diag([3.0, 2.0]), (2, 2, 2)),
        ((1, 2), np.diag([3.0, 2.0]), (2, 2, 2, 2)),
        ((), np.diag([3.0, 2.0]), (2, 2, 2, 2)),  # origin, h = 3: (0, tI, 0)
        ((), np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), (3, 2, 2)),  # origin, h = 2, ker Sigma != 0
    ],
)
def test_level_sets_contain_unbounded_families_of_critical_points(subset, Sigma, widths):
    fam = dl.level_set_family(subset, Sigma, widths, ts=(1, 10, 100, 1000))
    assert all(fam.critical)
    np.testing.assert_allclose(fam.values, dl.critical_point(subset, Sigma, widths).value, rtol=1e-12, atol=1e-12)
    assert np.all(np.diff(fam.norms) > 0) and fam.norms[-1] > 500
    assert fam.mechanism in repr(fam)


def test_origin_of_one_hidden_layer_with_invertible_sigma_is_isolated():
    # the digest says every critical level set is unbounded; here it is a single point
    Sigma = np.diag([3.0, 2.0])
    with pytest.raises(ValueError, match="isolated"):
        dl.level_set_family((), Sigma, (2, 2, 2))
    H = dl.hessian([np.zeros((2, 2))] * 2, Sigma)
    assert dl.inertia(H).zero == 0  # non-degenerate, hence isolated
    with pytest.raises(ValueError, match="convex"):
        dl.level_set_family((1,), Sigma, (2, 2))


def test_claim6_bottleneck_minimum_is_reached_generically():
    rng = np.random.default_rng(0)
    widths = (3, 4, 2, 3)
    cv = dl.critical_values([3, 2, 1], widths)
    assert cv.global_minimum == 0.5 and cv.global_minimum_subsets == ((1, 2),)
    W0 = [rng.standard_normal((widths[i + 1], widths[i])) * 0.5 for i in range(3)]
    tr = dl.gradient_flow(W0, S321, (0, 20), t_eval=[0, 20])
    assert tr.loss[-1] == pytest.approx(0.5, abs=1e-6)
    assert dl.is_critical(tr.final_weights, S321, tol=1e-6)
    assert dl.classify(tr.final_weights, S321, tol=1e-6).kind == "global minimum"


def test_factorisation_move_leaves_a_layer_with_no_room_exactly_unchanged():
    # After W_1 and W_2 have been moved to full rank, W_3 has no product-preserving move left
    # (both projectors are the identity): it must stay exactly rank one, not pick up rounding.
    cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    fs = dl.sample_fiber(cp, None, np.random.default_rng(3), n=4, kind="factorisation")
    for W in fs.points:
        s = np.linalg.svd(W[2], compute_uv=False)
        assert s[1] < 1e-15 * s[0], s
        assert np.array_equal(W[2], cp.weights[2])


@pytest.fixture(scope="module")
def fiber_minimum():
    return dl.critical_point((1, 2, 3), S321, (3, 3, 3, 3))


@pytest.fixture(scope="module")
def fiber_saddle():
    return dl.critical_point((1,), S321, (3, 3, 3, 3))


def test_first_order_fiber_dimension_matches_the_formula(fiber_minimum, fiber_saddle):
    # ker dpi at a balanced representative with k modes: n - k (d_0 + d_h - k), n = 27
    assert dl.first_order_fiber_dimension(fiber_minimum.weights) == 27 - 3 * 3
    assert dl.first_order_fiber_dimension(fiber_saddle.weights) == 27 - 1 * 5
    assert dl.first_order_fiber_dimension([np.zeros((3, 3))] * 3) == 27  # J = 0 at the origin
    # it bounds the orbit dimension from above
    assert dl.orbit_dimension(fiber_saddle.weights) == 10 <= dl.first_order_fiber_dimension(fiber_saddle.weights)


def test_gl_path_keeps_loss_product_and_criticality(fiber_minimum):
    path = dl.fiber_path(fiber_minimum, kind="gl", s=np.linspace(-0.6, 0.6, 7))
    assert len(path) == 7 and path.kind == "gl" and path.layer is None
    assert np.max(path.losses) < 1e-20 and np.max(path.product_error) < 1e-12
    assert all(path.critical) and set(path.kinds) == {"global minimum"}
    assert np.all(path.orbit_dims == 18) and np.all(path.ranks == 3)
    k0 = path.index(0.0)
    assert path.s[k0] == 0.0
    # the balanced base point: C_i = 0, smallest norm and smallest sharpness on the path
    assert np.max(path.imbalance[k0]) < 1e-12
    assert path.norms[k0] == pytest.approx(np.min(path.norms))
    assert path.lambda_max[k0] == pytest.approx(3 * 3 ** (4 / 3)) == pytest.approx(np.min(path.lambda_max))
    assert np.max(path.imbalance) > 1.0 and np.max(path.lambda_max) > 1.5 * path.lambda_max[k0]


def test_orthogonal_path_keeps_norms_and_spectrum(fiber_saddle):
    path = dl.fiber_path(fiber_saddle, kind="orthogonal", s=np.linspace(-1.0, 1.0, 5))
    assert np.allclose(path.norms, path.norms[0]) and np.max(path.imbalance) < 1e-12
    assert np.allclose(path.lambda_max, path.lambda_max[0])
    assert set(path.kinds) == {"non-strict saddle"}


def test_null_space_line_leaves_the_orbit_and_becomes_strict(fiber_saddle):
    path = dl.fiber_path(fiber_saddle, kind="null-space", layer=1, s=[-0.5, 0.0, 0.5])
    assert path.layer == 1 and path.direction_norm > 0
    assert np.allclose(path.losses, 2.5) and np.max(path.product_error) < 1e-12
    assert all(path.critical)
    assert path.kinds == ("strict saddle", "non-strict saddle", "strict saddle")
    assert list(path.orbit_dims) == [14, 10, 14]
    assert list(path.ranks[:, 0]) == [3, 1, 3]  # the rank of W_1 changes: not one orbit
    assert path.lambda_min[0] < -0.1 and abs(path.lambda_min[1]) < 1e-9


def test_null_space_line_is_constant_where_the_fibre_is_one_orbit(fiber_minimum):
    path = dl.fiber_path(fiber_minimum, kind="null-space", layer=2, s=[0.0, 1.0])
    assert path.direction_norm < 1e-12
    assert all(np.array_equal(a, b) for a, b in zip(path.points[0], path.points[1]))


def test_fiber_path_rejects_bad_input(fiber_saddle):
    with pytest.raises(ValueError, match="kind"):
        dl.fiber_path(fiber_saddle, kind="sideways")
    with pytest.raises(ValueError, match="layer"):
        dl.fiber_path(fiber_saddle, kind="null-space", layer=4)
    with pytest.raises(ValueError, match="Sigma"):
        dl.fiber_path([np.eye(2), np.eye(2)])
    with pytest.raises(ValueError, match="depth 1"):
        dl.fiber_path([np.eye(2)], np.eye(2))
    with pytest.raises(ValueError, match="s must be"):
        dl.fiber_path(fiber_saddle, s=[])


@pytest.mark.parametrize("S", [(), (1,), (2,), (1, 2)])
@pytest.mark.parametrize("h", [2, 3, 4])
def test_spare_rank_path_stays_in_one_fibre_of_critical_points(S, h):
    d = (2,) * (h + 1)
    base = dl.critical_point(S, S32, d)
    for t in (0.0, 0.5, 1.0):
        W = dl.spare_rank_fiber_point(S, S32, d, t)
        assert dl.is_critical(W, S32)
        assert np.allclose(dl.end_to_end(W), base.end_to_end, atol=1e-14)
        assert dl.loss(W, S32) == pytest.approx(base.value, abs=1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(dl.spare_rank_fiber_point(S, S32, d, 0.0), base.weights))


@pytest.mark.parametrize("h", [3, 4])
@pytest.mark.parametrize("S, sigma_m", [((), 3.0), ((1,), 2.0)])
def test_spare_rank_path_turns_a_non_strict_saddle_strict(h, S, sigma_m):
    d = (2,) * (h + 1)
    assert dl.classify(dl.spare_rank_fiber_point(S, S32, d, 0.0), S32).kind == "non-strict saddle"
    for t in (0.5, 1.0):
        W = dl.spare_rank_fiber_point(S, S32, d, t)
        c = dl.classify(W, S32)
        assert c.kind == "strict saddle"
        assert c.lambda_min == pytest.approx(-sigma_m * t ** (h - 2), rel=1e-10)
        assert dl.predicted_strictness(W, S32).strict


def test_spare_rank_path_level_set_family_for_the_empty_set():
    W = dl.spare_rank_fiber_point((), S32, (2, 2, 2, 2), 2.0)
    fam = dl.level_set_family((), S32, (2, 2, 2, 2), ts=(2.0,))
    assert all(np.allclose(a, b) for a, b in zip(W, fam.points[0]))


def test_spare_rank_path_bad_input():
    with pytest.raises(TypeError, match="t must be a real number"):
        dl.spare_rank_fiber_point((1,), S32, (2, 2, 2, 2), "far")
    with pytest.raises(ValueError, match="finite"):
        dl.spare_rank_fiber_point((1,), S32, (2, 2, 2, 2), np.inf)
    with pytest.raises(ValueError):
        dl.spare_rank_fiber_point((1, 2, 3), S32, (2, 2, 2, 2), 0.0)


# --------------------------------------------------------------------------- the chapter's explorer


@pytest.mark.parametrize("kind", ["gl", "orthogonal", "null-space W1", "null-space W2"])
def test_saddle_fiber_path_walks_the_fibre_of_the_non_strict_saddle(kind):
    path = dl.saddle_fiber_path(kind)
    assert isinstance(path, dl.fibres.FiberPath) and path.s.size == 41
    assert np.allclose(path.losses, 2.5)


def test_saddle_fiber_path_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        dl.saddle_fiber_path("diagonal")
