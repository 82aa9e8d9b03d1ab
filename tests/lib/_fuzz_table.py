"""One valid, small and fast call of every public function (the table the fuzz test mutates).

Not a test module. ``VALID[qualname](fx)`` returns the keyword arguments of a valid call
(``"_args"`` holds positional-only arguments); ``qualname`` is the function's module path
below ``deeplinear`` and its name (``"objective.loss"``, ``"plots.flow.tolerance_figure"``).
``fx`` is a :class:`Fixtures` that builds (once) the results the figures and studies draw.
Every argument given here is mutated by the fuzz test, so the table also lists the options
worth mutating (tolerances, counts, time spans) with small values.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

import deeplinear as dl

S3 = np.diag([3.0, 2.0, 1.0])
S2 = np.diag([3.0, 2.0])
W3 = (3, 3, 3)


def _none(*args, **kwargs):
    """A reader's stub that answers nothing: a valid call of a checker (it reports "Not yet")."""
    return None


def _plot(a, n, fig):
    """A tiny explorer plot function."""
    fig.add_subplot().plot([0, 1], [0, a * n])


class Fixtures:
    """Small computed results, built on first use and shared by the calls that draw them."""

    @cached_property
    def W(self):
        return dl.random_init(W3, np.random.default_rng(0), 0.5)

    @cached_property
    def completion_study(self):
        return dl.sensing.completion_study(S2, [[1, 1], [1, 0]], depths=(1, 2), scales=(0.1,), rel_tol=1e-3, t_max=20.0)

    @cached_property
    def A(self):
        return dl.adjacency(self.W)

    @cached_property
    def E(self):
        return dl.target(S3, W3)

    @cached_property
    def cp(self):
        return dl.critical_point((1,), S3, W3)

    @cached_property
    def cp_deep(self):
        return dl.critical_point((1,), S3, (3, 3, 3, 3))

    @cached_property
    def tr(self):
        return dl.gradient_flow(self.W, S3, (0, 1), t_eval=np.linspace(0, 1, 5))

    @cached_property
    def tr_decay(self):
        return dl.gradient_flow(self.W, S3, (0, 1), t_eval=np.linspace(0, 1, 5), weight_decay=0.3)

    @cached_property
    def atr(self):
        return dl.gradient_flow_adjacency(self.A, self.E, 2, (0, 1), t_eval=np.linspace(0, 1, 5), widths=W3)

    @cached_property
    def man(self):
        return dl.saddle_manifolds((1,), S3, W3)

    @cached_property
    def data(self):
        return dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0), d_in=2, d_out=2)

    @cached_property
    def Ts(self):
        return dl.random_gl(W3, np.random.default_rng(1))

    @cached_property
    def traj_t(self):
        return np.linspace(0.0, 4.0, 41)

    @cached_property
    def traj_loss(self):
        return dl.mode_loss(self.traj_t, 0.01, [3.0, 1.0], 2)

    @cached_property
    def flow_check(self):
        return dl.aligned_flow_check((2, 3, 2), [2.0, 1.0], 0.1, rotations=np.random.default_rng(0), t_max=2.0, num=11)

    @cached_property
    def comparison(self):
        return dl.compare_data_flows(dl.aligned_init((2, 2, 2), 0.1), self.data.X, self.data.Y, 1.0, num=5)

    @cached_property
    def threshold(self):
        return dl.threshold_runs(np.diag([1.0]), 2, (0.9, 1.1), steps=50)

    @cached_property
    def drift(self):
        return dl.drift_scaling(dl.random_init((2, 2, 1), np.random.default_rng(0), 0.5), np.array([[1.0, 0.0]]), [0.1, 0.05], time=2.0)

    @cached_property
    def selection(self):
        return dl.sharpness_selection(dl.random_init((1, 1, 1), np.random.default_rng(0), 0.5), np.array([[1.0]]), [0.1, 0.5], steps=200, tol=1e-8)

    @cached_property
    def orbits(self):
        return dl.descent_orbits(dl.random_init((1, 1, 1), np.random.default_rng(0), 0.5), np.array([[1.0]]), [0.9, 1.2], steps=100, keep=8)

    @cached_property
    def nonquadratic(self):
        return dl.nonquadratic_runs(widths=(2, 2, 1), n_samples=5, t_max=5.0)

    @cached_property
    def taylor(self):
        return dl.taylor_test(self.W, S3)

    @cached_property
    def tolerance(self):
        return dl.tolerance_study((2.0, 1.0), 1e-3, 2, 2.0, num=5)

    @cached_property
    def scrub(self):
        return dl.flow_scrub_prepare(2, 0.3, singular_values=(2.0, 1.0), t_max=2.0)

    @cached_property
    def lazy_rich(self):
        return dl.lazy_rich.lazy_rich_study([1e-2, 3.0], np.diag([2.0, 1.0]), (2, 3, 2), t_end=5.0, num=11)

    @cached_property
    def lambda_study(self):
        return dl.lambda_balanced.lambda_study([0.0, 4.0], np.diag([2.0, 1.0]), (2, 2, 2), t_end=5.0, num=11)

    @cached_property
    def diagonal_study(self):
        return dl.diagonal.diagonal_study([0.1, 3.0], np.array([[1.0, 2.0, 0.5]]), np.array([1.0]))

    @cached_property
    def incremental(self):
        return dl.incremental_run((2.0, 1.0), 1e-2, 2, t_max=6.0, num=41)

    @cached_property
    def random_vs_aligned(self):
        return dl.random_vs_aligned((2.0, 1.0), 1e-2, seeds=range(2), t_max=6.0, num=61)

    @cached_property
    def convergence_times(self):
        return dl.random_convergence_times(((2, 0.3),), (0, 1), singular_values=(2.0, 1.0), t_max=50.0)

    @cached_property
    def escape_times(self):
        return dl.saddle_escape_times(h=3, eps=(0.3, 0.1), seeds=(0,), t_max=100.0)

    @cached_property
    def escape_phase(self):
        return dl.escape_phase_scaling(h=3, scales=(0.3, 0.1), seeds=(0,), singular_values=(2.0, 1.0), distribution_seeds=(0, 1), t_max=1e3)

    @cached_property
    def fiber(self):
        return dl.fiber_path(self.cp, S3, kind="gl", s=[0.0, 0.5, 1.0])

    @cached_property
    def rate(self):
        return dl.rate_run(*dl.margin_example(2, 0.5), 1.0, n=11)

    @cached_property
    def paths(self):
        return dl.singular_value_paths(np.diag([0.1, 0.1]), np.diag([2.0, 1.0]), (1, 2), 2.0, n=7)

    @cached_property
    def limits(self):
        return dl.random_limits(np.diag([2.0, 1.0]), (2, 1, 2), seeds=(0,), scales=(0.5,), t_max=10.0)

    @cached_property
    def fates(self):
        return dl.ray_fates((1,), S2, (2, 2, 2), t_max=2.0)

    @cached_property
    def sample_flows(self):
        return dl.saddle_sample_flows((1,), S3, W3, n=2, t_max=2.0, n_times=5)


def _core(fx: Fixtures) -> dict:
    W, A, E, cp = fx.W, fx.A, fx.E, fx.cp
    rng = np.random.default_rng
    return {
        "adjacency_flow.gradient_flow_adjacency": lambda: dict(A0=A, E=E, h=2, t_span=(0.0, 0.5), t_eval=[0.0, 0.5], widths=W3),
        "aligned.aligned_modes": lambda: dict(weights=dl.aligned_init(W3, [1.0, 0.5, 0.2]), rotations=None),
        "aligned.aligned_flow_check": lambda: dict(widths=(2, 3, 2), singular_values=[2.0, 1.0], values=0.1, rotations=rng(0), t_max=1.0, num=5),
        "aligned.depth_scaled_times": lambda: dict(sigma=1.0, u0=0.1, uf=0.5, depths=(2, 3)),
        "aligned.local_convergence_rate": lambda: dict(sigma=2.0, h=2),
        "classification.descent_direction": lambda: dict(weights=fx.cp_deep.weights, Sigma=S3, tol=1e-8),
        "classification.fit_descent_order": lambda: dict(weights=fx.cp_deep.weights, Sigma=S3, direction=dl.descent_direction(fx.cp_deep.weights, S3)),
        "classification.classify": lambda: dict(weights=cp.weights, Sigma=S3, tol=1e-8),
        "classification.predicted_strictness": lambda: dict(weights=cp.weights, Sigma=S3),
        "critical.critical_point": lambda: dict(subset=(1, 3), Sigma=S3, widths=W3),
        "critical.learnt_subset": lambda: dict(weights=cp.weights, Sigma=S3, rtol=1e-6),
        "critical.relative_gradient_norm": lambda: dict(weights=W, Sigma=S3),
        "critical.is_critical": lambda: dict(weights=cp.weights, Sigma=S3, tol=1e-8),
        "curvature.flatten_weights": lambda: dict(weights=W),
        "curvature.unflatten_weights": lambda: dict(theta=np.arange(18.0), widths=W3),
        "curvature.hessian": lambda: dict(weights=W, Sigma=S3),
        "curvature.finite_difference_hessian": lambda: dict(weights=[np.ones((1, 1))] * 2, Sigma=np.ones((1, 1)), step=1e-5),
        "curvature.hessian_vector_product": lambda: dict(weights=W, Sigma=S3, V=[np.ones((3, 3))] * 2),
        "curvature.hessian_quadratic_form": lambda: dict(weights=W, Sigma=S3, V=[np.ones((3, 3))] * 2),
        "curvature.hessian_operator": lambda: dict(weights=W, Sigma=S3),
        "curvature.extreme_eigenvalues": lambda: dict(weights=W, Sigma=S3, which="both", k=1, tol=1e-10),
        "curvature.inertia": lambda: dict(H=np.diag([-1.0, 0.0, 2.0]), tol=None),
        "curvature.sharpness": lambda: dict(weights=W, Sigma=S3),
        "curves.zero_crossings": lambda: dict(t=[0.0, 1.0, 2.0, 3.0], values=[1.0, -1.0, -3.0, 1.0]),
        "curves.plateau_levels": lambda: dict(t=fx.traj_t, loss_values=fx.traj_loss, threshold=0.2),
        "curves.plateau_dwell": lambda: dict(t=fx.traj_t, loss=fx.traj_loss, value=2.5, rel=0.1),
        "curves.orbit_period": lambda: dict(values=[1.0, 2.0, 1.0, 2.0, 1.0, 2.0], tol=1e-6, max_period=4),
        "data.reduce_data": lambda: dict(X=fx.data.X, Y=fx.data.Y),
        "data.whiten": lambda: dict(X=fx.data.X),
        "data.data_loss": lambda: dict(weights=[np.ones((2, 2))], X=fx.data.X, Y=fx.data.Y),
        "data.teacher_data": lambda: dict(singular_values=[2.0, 1.0], n_samples=10, rng=rng(0), noise=0.1, d_in=3),
        "data.compare_data_flows": lambda: dict(weights0=dl.aligned_init((2, 2, 2), 0.1), X=fx.data.X, Y=fx.data.Y, t_span=1.0, num=5),
        "descent.gradient_descent": lambda: dict(weights0=W, Sigma=S3, eta=0.05, steps=20, tol=1e-10),
        "descent.conservation_drift_step": lambda: dict(weights=W, Sigma=S3, eta=0.1),
        "descent.stable_step": lambda: dict(weights=W, Sigma=S3),
        "descent.critical_step": lambda: dict(Sigma=4.0, h=2),
        "descent.nonquadratic_runs": lambda: dict(widths=(2, 2, 1), n_samples=3, t_max=5.0, seed=0),
        "escape.flow_from_saddle": lambda: dict(subset=(1,), Sigma=S3, widths=W3, direction="stable", eps=0.1, t_span=(0.0, 1.0)),
        "escape.saddle_samples": lambda: dict(manifolds=fx.man, rng=rng(0), n=2),
        "escape.saddle_sample_flows": lambda: dict(subset=(1,), Sigma=S3, widths=W3, n=2, t_max=2.0, n_times=5),
        "escape.escape_direction_span": lambda: dict(manifolds=fx.man, rng=rng(0), n_rotations=3),
        "escape_times.saddle_escape_times": lambda: dict(Sigma=None, h=3, eps=(0.3, 0.1), seeds=(0,), t_max=100.0),
        "escape_times.escape_phase_blowup_time": lambda: dict(weights0=[np.eye(2)] * 3, Sigma=S2, bound=1e6, t_max=100.0),
        "escape_times.escape_phase_scaling": lambda: dict(h=3, scales=(0.3, 0.1), seeds=(0,), singular_values=(2.0, 1.0), distribution_seeds=(0, 1), t_max=1e3),
        "fibres.sample_fiber": lambda: dict(point=cp, Sigma=S3, rng=0, n=2, kind="gl"),
        "fibres.first_order_fiber_dimension": lambda: dict(weights=cp.weights),
        "fibres.fiber_path": lambda: dict(point=cp, Sigma=S3, kind="gl", s=[0.0, 0.5, 1.0]),
        "fibres.level_set_family": lambda: dict(subset=(), Sigma=S2, widths=(2, 2, 2, 2), ts=(1.0, 4.0)),
        "fibres.spare_rank_fiber_point": lambda: dict(subset=(1,), Sigma=S3, widths=(3, 3, 3, 3), t=0.5),
        "fibres.saddle_fiber_path": lambda: dict(kind="gl"),
        "flow.gradient_flow": lambda: dict(weights0=W, Sigma=S3, t_span=(0.0, 1.0), t_eval=[0.0, 1.0], stop_at="critical point"),
        "flow.gradient_flow_batch": lambda: dict(weights0_list=[W, [0.5 * w for w in W]], Sigma=S3, t_span=(0.0, 1.0), t_eval=[0.0, 1.0],
                                                 weight_decay=0.3),
        "flow.tolerance_study": lambda: dict(singular_values=(2.0, 1.0), a0=1e-3, h=2, t_max=2.0, num=5),
        "flow.flow_scrub_prepare": lambda: dict(h=2, scale=0.3, singular_values=(2.0, 1.0), t_max=2.0),
        "incremental.incremental_plateaus": lambda: dict(singular_values=[3.0, 2.0, 1.0], u0=1e-6, h=2),
        "incremental.incremental_run": lambda: dict(singular_values=(2.0, 1.0), a0=1e-2, h=2, t_max=4.0, num=21),
        "incremental.random_half_times": lambda: dict(weights0=dl.random_init(W3, rng(0), 0.01), singular_values=[3.0, 2.0, 1.0]),
        "incremental.random_vs_aligned": lambda: dict(singular_values=(2.0, 1.0), scale=1e-2, seeds=range(1), t_max=4.0, num=41),
        "init.random_init": lambda: dict(widths=(3, 4, 2), rng=rng(0), scale=0.1),
        "sensing.sensing_loss": lambda: dict(measurements=np.ones((2, 2, 3)), y=[1.0, 2.0]),
        "sensing.completion_loss": lambda: dict(Sigma=S2, mask=[[1, 0], [1, 1]]),
        "sensing.effective_rank": lambda: dict(product=S3),
        "sensing.singular_velocity_check": lambda: dict(weights=dl.balanced_init((2, 2, 2), product=S2), ell=dl.quadratic(np.eye(2))),
        "sensing.nuclear_norm_completion": lambda: dict(Sigma=S2, mask=[[1, 1], [1, 0]], tol=1e-6, max_iter=50),
        "sensing.completion_problem": lambda: dict(n=4, rank=1, fraction=0.5, rng=0),
        "sensing.deep_completion": lambda: dict(Sigma=S2, mask=[[1, 1], [1, 0]], h=2, scale=0.1, rng=0, rel_tol=1e-3, t_max=20.0, n_eval=5),
        "sensing.completion_study": lambda: dict(Sigma=S2, mask=[[1, 1], [1, 0]], depths=(1, 2), scales=(0.1,), rng=0, rel_tol=1e-3, t_max=20.0),
        "init.aligned_init": lambda: dict(widths=(2, 3, 2), values=[1.0, 0.5]),
        "init.balanced_init": lambda: dict(widths=(2, 3, 2), product=np.diag([2.0, 1.0]), rng=rng(0)),
        "init.delta_balanced_init": lambda: dict(widths=(2, 3, 2), delta=0.5, rng=rng(0), product=np.diag([2.0, 1.0])),
        "init.deficiency_margin": lambda: dict(end_to_end_map=np.diag([1.8, 1.0]), Sigma=S2),
        "invariants.conserved_quantities": lambda: dict(weights=W),
        "invariants.conserved_drift": lambda: dict(C0=dl.conserved_quantities(W), C=dl.conserved_quantities(fx.tr.weights[-1])),
        "invariants.imbalance": lambda: dict(weights=W),
        "invariants.commutator_block_drift": lambda: dict(trajectory=fx.tr),
        "invariants.symmetry_defect": lambda: dict(trajectory=fx.tr, transformed=fx.tr, Ts=[np.eye(3)]),
        "invariants.commutator": lambda: dict(A=A),
        "invariants.commutator_blocks": lambda: dict(A=A, widths=W3),
        "invariants.block_diagonal": lambda: dict(Ts=[np.eye(3)], widths=W3),
        "invariants.gl_action": lambda: dict(weights=W, Ts=[2.0 * np.eye(3)]),
        "invariants.gl_action_adjacency": lambda: dict(A=A, Ts=[2.0 * np.eye(3)], widths=W3),
        "invariants.random_orthogonal": lambda: dict(n=3, rng=rng(0)),
        "invariants.random_gl": lambda: dict(widths=(2, 3, 3, 2), rng=rng(0), cond=10.0),
        "large_steps.threshold_runs": lambda: dict(Sigma=np.diag([1.0]), h=2, ratios=(0.9, 1.1), steps=50),
        "large_steps.drift_scaling": lambda: dict(weights0=dl.random_init((2, 2, 1), rng(0), 0.5), Sigma=np.array([[1.0, 0.0]]), etas=[0.1, 0.05], time=2.0),
        "large_steps.sharpness_selection": lambda: dict(weights0=dl.random_init((1, 1, 1), rng(0), 0.5), Sigma=np.array([[1.0]]), etas=[0.1, 0.5], steps=200, tol=1e-8),
        "large_steps.descent_orbits": lambda: dict(weights0=dl.random_init((1, 1, 1), rng(0), 0.5), Sigma=np.array([[1.0]]), ratios=[0.9, 1.2], steps=100, keep=8),
        "losses.quadratic": lambda: dict(Sigma=S3),
        "losses.data_quadratic_loss": lambda: dict(X=fx.data.X, Y=fx.data.Y),
        "losses.linear": lambda: dict(Sigma=S3),
        "losses.logistic": lambda: dict(X=rng(0).standard_normal((3, 6)), labels=np.sign(rng(1).standard_normal((3, 6)))),
        "losses.huber": lambda: dict(Y=np.array([[3.0, 0.5]]), delta=1.0),
        "losses.general_gradient": lambda: dict(weights=W, ell_grad=dl.quadratic(S3)),
        "losses.general_loss": lambda: dict(weights=W, ell=dl.quadratic(S3)),
        "manifolds.saddle_escape_law": lambda: dict(t=[0.0, 1.0], a0=0.1, sigma=2.0, h=2),
        "manifolds.saddle_manifolds": lambda: dict(subset=(1,), Sigma=S3, widths=W3),
        "modes.mode_rhs": lambda: dict(a=np.array([0.5, 1.0]), sigma=2.0, h=2),
        "modes.product_rhs": lambda: dict(u=np.array([0.25, 1.0]), sigma=2.0, h=2),
        "modes.mode_solution": lambda: dict(t=[0.0, 1.0], u0=0.01, sigma=3.0, h=2),
        "modes.mode_loss": lambda: dict(t=[0.0, 2.0], u0=0.01, singular_values=[3.0, 1.0], h=2),
        "modes.learning_time": lambda: dict(u0=0.01, uf=2.9, sigma=3.0, h=2),
        "modes.plateau_time": lambda: dict(u0=0.01, sigma=1.0, h=2),
        "modes.learnt_rank": lambda: dict(end_to_end=np.diag([2.5, 0.1]), singular_values=[3.0, 1.0], fraction=0.5),
        "modes.huber_mode_half_time": lambda: dict(u0=0.01, sigma=2.0, delta=10.0),
        "network.layer_slices": lambda: dict(widths=[2, 3, 1]),
        "network.blk": lambda: dict(k=2, blocks=[np.array([[5.0, 6.0]])], widths=[2, 1, 1]),
        "network.adjacency": lambda: dict(weights=W),
        "network.weights_from_adjacency": lambda: dict(A=A, widths=W3),
        "network.target": lambda: dict(Sigma=S3, widths=W3),
        "network.end_to_end": lambda: dict(weights=W),
        "network.partial_product": lambda: dict(weights=W, i=1, j=2),
        "network.prefix_products": lambda: dict(weights=W),
        "network.suffix_products": lambda: dict(weights=W),
        "network.adjacency_power": lambda: dict(A=A, k=2),
        "network.nilpotency_index": lambda: dict(A=A),
        "network.nilpotent_jordan_type": lambda: dict(A=A),
        "objective.residual": lambda: dict(weights=W, Sigma=S3),
        "objective.loss": lambda: dict(weights=W, Sigma=S3),
        "objective.gradient": lambda: dict(weights=W, Sigma=S3),
        "objective.loss_and_gradient": lambda: dict(weights=W, Sigma=S3),
        "objective.loss_adjacency": lambda: dict(A=A, E=E, h=2),
        "objective.gradient_adjacency": lambda: dict(A=A, E=E, h=2),
        "objective.taylor_test": lambda: dict(weights=W, Sigma=S3, rng=0),
        "orbits.mode_rotation": lambda: dict(weights=cp.weights, Sigma=S3, j=1, k=2, theta=0.3),
        "orbits.orbit_tangent_vector": lambda: dict(weights=cp.weights, xis=[np.eye(3)]),
        "orbits.orbit_dimension": lambda: dict(weights=W, rtol=1e-9),
        "orbits.stabilizer_rotations": lambda: dict(manifolds=fx.man, rng=rng(0)),
        "product_flow.end_to_end_rhs": lambda: dict(product=np.array([[0.25]]), Sigma=np.array([[1.0]]), h=2),
        "product_flow.end_to_end_velocity": lambda: dict(weights=W, Sigma=S3),
        "product_flow.singular_value_velocity": lambda: dict(product=np.diag([0.25, 0.5]), Sigma=np.diag([1.0, 2.0]), h=2),
        "product_flow.margin_rate": lambda: dict(c=0.5, h=2),
        "quotient.critical_values": lambda: dict(Sigma=[3, 2, 1], widths=(3, 4, 2, 3)),
        "quotient.learnt_set_lattice": lambda: dict(singular_values=[3, 2, 1], widths=(3, 2, 3)),
        "rates.rate_run": lambda: dict(weights0=dl.margin_example(2, 0.5)[0], Sigma=dl.margin_example(2, 0.5)[1], t_max=1.0, n=11),
        "rates.margin_example": lambda: dict(h=2, c=0.5, shape="square"),
        "rates.singular_value_paths": lambda: dict(product0=np.diag([0.1, 0.1]), Sigma=np.diag([2.0, 1.0]), depths=(1, 2), t_max=2.0, n=7),
        "rates.random_limits": lambda: dict(Sigma=np.diag([2.0, 1.0]), widths=(2, 1, 2), seeds=(0,), scales=(0.5,), t_max=10.0),
        "rates.random_convergence_times": lambda: dict(cases=((2, 0.3),), seeds=(0,), singular_values=(2.0, 1.0), t_max=50.0),
        "rates.huber_mode_study": lambda: dict(singular_values=(2.0, 1.0), deltas=(np.inf, 0.5), u0=1e-3, num=41),
        "rays.ray_fates": lambda: dict(subset=(1,), Sigma=S2, widths=(2, 2, 2), t_max=2.0),
        "rays.off_ray_turn_time": lambda: dict(a0=0.5, sigma=2.0, c=0.01, h=2),
        "rays.off_ray_flow": lambda: dict(subset=(1,), Sigma=S2, widths=(2, 2, 2), off=1e-2, t_max=5.0, n_times=11),
        "scalar.scalar_critical_set": lambda: dict(sigma=2.0, h=2),
        "scalar.scalar_vector_field": lambda: dict(w=np.array([1.0, 0.5]), sigma=2.0),
        "scalar.scalar_conserved_curve": lambda: dict(w0=[0.5, 1.0], t=np.linspace(-1.0, 1.0, 5)),
        "scalar.scalar_h2_limit": lambda: dict(w0=[0.5, 1.0], sigma=2.0),
        "scalar.scalar_flow": lambda: dict(w0=[0.5, 1.0], sigma=2.0, t_max=2.0, n_points=11),
        "unbalanced.unbalanced_rhs": lambda: dict(p=0.5, sigma=1.0, c=0.5),
        "unbalanced.unbalanced_learning_time": lambda: dict(p0=1e-4, pf=0.5, sigma=1.0, c=0.5),
        "unbalanced.unbalanced_solution": lambda: dict(t=[0.0, 1.0, 5.0], p0=1e-4, sigma=1.0, c=0.5),
        "unbalanced.unbalanced_weights": lambda: dict(p=0.5, c=0.75),
        "weight_decay.regularised_loss": lambda: dict(weights=W, Sigma=S3, weight_decay=0.3),
        "weight_decay.regularised_gradient": lambda: dict(weights=W, Sigma=S3, weight_decay=0.3),
        "weight_decay.regularised_gradient_adjacency": lambda: dict(A=A, E=E, h=2, weight_decay=0.3),
        "weight_decay.representation_cost": lambda: dict(product=S3, h=3),
        "weight_decay.mode_shrinkage": lambda: dict(sigma=2.0, h=3, weight_decay=0.3),
        "weight_decay.regularised_critical_values": lambda: dict(Sigma=S3, widths=(3, 2, 2, 3), weight_decay=0.3),
        "weight_decay.regularised_critical_point": lambda: dict(product_values=[2.0, 1.0], Sigma=S3, widths=(3, 2, 2, 3)),
        "weight_decay.regularised_classification": lambda: dict(weights=W, Sigma=S3, weight_decay=0.3),
        "resnet.identity_init": lambda: dict(widths=(2, 2, 2)),
        "resnet.identity_stall_loss": lambda: dict(Sigma=np.diag([2.0, -1.0])),
        "resnet.identity_scalar_descent": lambda: dict(eigenvalues=[2.0, -1.0], h=2, eta=0.05, steps=20),
        "resnet.identity_descent_run": lambda: dict(Sigma=np.diag([2.0, -1.0]), h=2, eta=0.05, steps=20),
        "resnet.orthogonal_init": lambda: dict(widths=(2, 3, 2), rng=rng(0)),
        "resnet.init_iterations": lambda: dict(Sigma=np.diag([1.0, 0.5]), depths=[2], width=3, eta=0.05, tol=1e-3, max_steps=50, seeds=(0,)),
        "convolution.circulant": lambda: dict(w=np.array([1.0, 2.0, 3.0])),
        "convolution.conv_predictor": lambda: dict(filters=np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.1]])),
        "convolution.conv_gradient": lambda: dict(filters=np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.1]]), X=np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), labels=np.array([1.0, -1.0])),
        "convolution.conv_descent": lambda: dict(filters0=np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.1]]), X=np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), labels=np.array([1.0, -1.0]), eta=0.1, steps=10),
        "convolution.fourier_participation": lambda: dict(beta=np.array([1.0, 0.5, 0.0, 0.2])),
        "convolution.max_margin_direction": lambda: dict(X=np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), labels=np.array([1.0, -1.0])),
        "convolution.conv_bias_study": lambda: dict(X=np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), labels=np.array([1.0, -1.0]), depths=(1, 2), eta=0.1, steps=20, scale=0.5, rng=0),
        "lazy_rich.tangent_kernel": lambda: dict(weights=[np.array([[1.0, 0.5]]), np.array([[2.0], [0.3]])]),
        "lazy_rich.kernel_change": lambda: dict(weights=[np.array([[1.0]]), np.array([[2.0]])],
                                                reference=[np.array([[1.0]]), np.array([[1.0]])]),
        "lazy_rich.weight_travel": lambda: dict(weights=[np.array([[1.0]]), np.array([[2.0]])],
                                                reference=[np.array([[1.0]]), np.array([[1.0]])]),
        "lazy_rich.linearised_residual": lambda: dict(weights0=[np.array([[1.0]]), np.array([[1.0]])],
                                                      Sigma=np.array([[2.0]]), t_eval=[0.0, 1.0]),
        "lazy_rich.lazy_rich_study": lambda: dict(scales=[1e-2, 3.0], Sigma=np.diag([2.0, 1.0]), widths=(2, 3, 2),
                                                  t_end=5.0, num=11),
        "lambda_balanced.lambda_balanced_init": lambda: dict(widths=(3, 2, 3), lam=0.5, scale=0.1, rng=0),
        "lambda_balanced.balance_parameter": lambda: dict(weights=[np.array([[1.0]]), np.array([[2.0]])]),
        "lambda_balanced.lambda_balanced_solution": lambda: dict(
            weights0=dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 1.0, 0, scale=0.1), Sigma=np.diag([2.0, 1.0]),
            t_eval=[0.0, 1.0, 5.0]),
        "lambda_balanced.lambda_study": lambda: dict(lams=[0.0, 4.0], Sigma=np.diag([2.0, 1.0]), widths=(2, 2, 2),
                                                     t_end=5.0, num=11),
        "diagonal.diagonal_penalty": lambda: dict(beta=[1.0, -0.5, 0.0], alpha=0.1),
        "diagonal.diagonal_flow": lambda: dict(alpha=1.0, X=np.array([[1.0, 2.0, 0.5]]), y=np.array([1.0])),
        "diagonal.min_penalty_interpolant": lambda: dict(X=np.array([[1.0, 2.0, 0.5]]), y=np.array([1.0]), alpha=0.1),
        "diagonal.diagonal_kkt_residual": lambda: dict(beta=[0.2, 0.4], X=np.array([[1.0, 2.0]]), alpha=1.0),
        "diagonal.sparse_regression": lambda: dict(n_samples=3, n_features=6, n_nonzero=1, rng=0),
        "diagonal.diagonal_study": lambda: dict(alphas=[0.1, 3.0], X=np.array([[1.0, 2.0, 0.5]]), y=np.array([1.0])),
    }


def _plots(fx: Fixtures) -> dict:
    W, cp = fx.W, fx.cp
    return {
        "plots.aligned.aligned_decoupling_figure": lambda: dict(check=fx.flow_check),
        "plots.aligned.aligned_timescale_figure": lambda: dict(sigmas=(1.0, 2.0), ratio=1e-2, h=2),
        "plots.aligned.aligned_depth_figure": lambda: dict(sigma=1.0, a0=0.1, depths=(2, 3), deep=(2, 5)),
        "plots.aligned.unbalanced_figure": lambda: dict(sigma=1.0, p0=1e-3, imbalances=(0.0, 1.0), t_max=2.0),
        "plots.aligned.aligned_explorer_figure": lambda: dict(sigma=2.0, h=2, a0=0.1),
        "plots.critical.critical_ladder_figure": lambda: dict(singular_values=[3.0, 2.0, 1.0], widths=(3, 2, 3)),
        "plots.critical.critical_ladder_explorer_figure": lambda: dict(spectrum=(3.0, 2.0, 1.0), bottleneck=2),
        "plots.critical.critical_point_figure": lambda: dict(point=cp),
        "plots.data.whitening_flow_figure": lambda: dict(comparison=fx.comparison),
        "plots.data.reduction_figure": lambda: dict(X=fx.data.X, Y=fx.data.Y),
        "plots.data.data_spectrum_figure": lambda: dict(noise=0.3, n_samples=20, rank=2, seed=0),
        "plots.weight_decay.balance_decay_figure": lambda: dict(with_decay=fx.tr_decay, without_decay=fx.tr, weight_decay=0.3),
        "plots.weight_decay.shrinkage_figure": lambda: dict(curves={3: [dl.weight_decay.mode_shrinkage(s, 3, weight_decay=0.3) for s in (0.5, 1.0, 2.0)]}),
        "plots.weight_decay.decay_flows_figure": lambda: dict(trajectories=[fx.tr_decay], labels=["a"],
                                                              critical_values=dl.weight_decay.regularised_critical_values(S3, W3, weight_decay=0.3)),
        "plots.weight_decay.mode_explorer_figure": lambda: dict(weight_decay=0.5, h=3, sigma=2.0),
        "plots.descent.threshold_figure": lambda: dict(runs=fx.threshold),
        "plots.descent.drift_scaling_figure": lambda: dict(scaling=fx.drift),
        "plots.descent.sharpness_selection_figure": lambda: dict(sel=fx.selection),
        "plots.descent.nonquadratic_figure": lambda: dict(runs=fx.nonquadratic),
        "plots.descent.step_explorer_figure": lambda: dict(ratio=0.9, h=2, steps=50),
        "plots.flow.taylor_test_figure": lambda: dict(right=fx.taylor, wrong=fx.taylor, loss_value=1.0),
        "plots.flow.tolerance_figure": lambda: dict(study=fx.tolerance),
        "plots.flow.adjacency_terms_figure": lambda: dict(weights=W, Sigma=S3),
        "plots.flow.flow_forms_figure": lambda: dict(trajectory=fx.tr, adjacency_trajectory=fx.atr),
        "plots.flow.flow_scrub_figure": lambda: dict(prepared=fx.scrub, h=2, scale=0.3, t=1.0),
        "plots.implicit_regularisation.completion_study_figure": lambda: dict(study=fx.completion_study, nuclear_error=0.5, nuclear_effective_rank=1.5, true_effective_rank=1.0),
        "plots.implicit_regularisation.completion_spectrum_figure": lambda: dict(run=fx.completion_study.runs[1][0], rank=1, Sigma=S2),
        "plots.implicit_regularisation.completion_explorer_figure": lambda: dict(h=2, scale=0.1, fraction=0.6, n=4, rank=1, seed=0),
        "plots.lazy_rich.lazy_rich_figure": lambda: dict(study=fx.lazy_rich),
        "plots.lazy_rich.lambda_figure": lambda: dict(study=fx.lambda_study),
        "plots.lazy_rich.diagonal_figure": lambda: dict(study=fx.diagonal_study),
        "plots.lazy_rich.lazy_rich_explorer_figure": lambda: dict(scale=0.01, lam=1.0, t_max=4.0),
        "plots.incremental.incremental_ladder_figure": lambda: dict(run=fx.incremental),
        "plots.incremental.incremental_rank_figure": lambda: dict(run=fx.incremental),
        "plots.incremental.random_vs_aligned_figure": lambda: dict(result=fx.random_vs_aligned, n_show=2),
        "plots.incremental.incremental_depth_figure": lambda: dict(singular_values=(2.0, 1.0), a0=0.05, depths=(2,)),
        "plots.incremental.incremental_explorer_figure": lambda: dict(a0=0.05, sigma2=2.0, sigma3=1.0, t_max=4.0),
        "plots.invariants.commutator_drift_figure": lambda: dict(trajectory=fx.tr),
        "plots.invariants.symmetry_figure": lambda: dict(weights0=W, Sigma=S3, Ts=fx.Ts, t_max=1.0, n_points=5),
        "plots.invariants.random_symmetry_figure": lambda: dict(cond=2.0, seed=0, widths=(2, 2, 2), singular_values=(2.0, 1.0), t_max=1.0),
        "plots.landscape.scalar_landscape_figure": lambda: dict(sigma=1.0, extent=1.5),
        "plots.landscape.balanced_ray_figure": lambda: dict(sigma=1.0, h=3, depths=(1, 2)),
        "plots.network.draw_network": lambda: dict(weights=W, highlight=(0, 5)),
        "plots.network.draw_pattern": lambda: dict(M=fx.A, widths=W3, title="A"),
        "plots.network.network_view_figure": lambda: dict(weights=W, k=2),
        "plots.network.random_network_view_figure": lambda: dict(widths=(2, 2, 2), k=1, seed=0),
        "plots.open_problems.convergence_time_figure": lambda: dict(result=fx.convergence_times),
        "plots.open_problems.saddle_escape_figure": lambda: dict(result=fx.escape_times),
        "plots.open_problems.escape_phase_figure": lambda: dict(results=[fx.escape_phase]),
        "plots.open_problems.descent_orbit_figure": lambda: dict(orbits=[fx.orbits]),
        "plots.open_problems.random_start_explorer_figure": lambda: dict(h=2, scale=0.3, seed=0, singular_values=(2.0, 1.0), t_max=10.0),
        "plots.quotient.fiber_path_figure": lambda: dict(path=fx.fiber),
        "plots.quotient.fiber_walk_figure": lambda: dict(path=fx.fiber, kind=None, s=0.25),
        "plots.quotient.fiber_ladder_figure": lambda: dict(singular_values=(2.0, 1.0), widths=(2, 2, 2), n=2),
        "plots.rates.rate_bound_figure": lambda: dict(runs=[fx.rate]),
        "plots.rates.margin_explorer_figure": lambda: dict(h=2, c=0.5, shape="wide", t_max=1.0),
        "plots.rates.low_rank_bias_figure": lambda: dict(paths=fx.paths),
        "plots.rates.imbalance_figure": lambda: dict(Sigma=np.diag([2.0, 1.0]), h=2, deltas=(0.0, 1.0), seeds=(0,), t_matrix=1.0, t_max=2.0),
        "plots.rates.random_limits_figure": lambda: dict(results=[fx.limits]),
        "plots.scalar.scalar_phase_portrait": lambda: dict(sigma=1.0, w0=(0.5, -0.2), t_max=2.0),
        "plots.scalar.scalar_phase_portrait_at": lambda: dict(w1_0=0.8, w2_0=0.1, sigma=1.0),
        "plots.scalar.scalar_h3_figure": lambda: dict(sigma=1.0, initial_points=[(0.3, 0.3, 1.0)], t_max=2.0),
        "plots.second_order.hessian_spectrum_figure": lambda: dict(weights=cp.weights, Sigma=S3),
        "plots.second_order.hessian_spectrum_explorer_figure": lambda: dict(subset=(1,), h=2, t=0.5),
        "plots.second_order.origin_hessian_spectra_figure": lambda: dict(Sigma=S2, depths=(2,)),
        "plots.second_order.descent_order_figure": lambda: dict(cases=[("h = 3", fx.cp_deep.weights, S3)], eps=np.geomspace(1e-3, 3e-2, 4)),
        "plots.second_order.fiber_strictness_figure": lambda: dict(Sigma=S2, depths=(3,), subset=(1,), ts=np.linspace(0, 1, 3)),
        "plots.second_order.fiber_sharpness_figure": lambda: dict(Sigma=S2, depths=(2,), cs=np.geomspace(0.5, 2.0, 3)),
        "plots.second_order.lanczos_spectrum_figure": lambda: dict(weights=W, Sigma=S3, bins=10),
        "plots.stable_unstable.ray_fates_figure": lambda: dict(fates=[fx.fates]),
        "plots.stable_unstable.escape_laws_figure": lambda: dict(Sigma=S2, subset=(1,), depths=(2,), t_max=10.0),
        "plots.stable_unstable.off_ray_explorer_figure": lambda: dict(h=2, offset=1e-3, saddle="S = {1}"),
        "plots.stable_unstable.saddle_samples_figure": lambda: dict(flows=[fx.sample_flows]),
        "plots.style.new_figure": lambda: dict(ncols=2, width=4.0, height=2.0),
        "plots.residual_convolutional.identity_descent_figure": lambda: dict(runs=[dl.resnet.identity_descent_run(np.diag([2.0, -1.0]), 2, steps=20)]),
        "plots.residual_convolutional.fourier_bias_figure": lambda: dict(study=dl.convolution.conv_bias_study(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), [1.0, -1.0], depths=(2,), steps=20)),
        "plots.residual_convolutional.init_iterations_figure": lambda: dict(result=dl.resnet.init_iterations(np.diag([1.0, 0.5]), [2], 3, max_steps=50, seeds=(0,))),
        "plots.residual_convolutional.identity_explorer_figure": lambda: dict(h=2, eigenvalue=-0.5, eta=0.05, steps=20),
    }


def _exercises_and_explore(fx: Fixtures) -> dict:
    import inspect

    out = {}
    for name in dl.exercises.__all__:
        fn = getattr(dl.exercises, name)
        if inspect.isfunction(fn) and name.startswith("check_"):
            out[f"exercises.{fn.__module__.rsplit('.', 1)[1]}.{name}"] = lambda: dict(fn=_none)
    out["explore.display.explorer"] = lambda: dict(_args=(_plot,), a=[1.0, 2.0], n=[1, 2])
    out["explore.options.static_build_requested"] = lambda: dict()
    return out


def valid_calls(fx: Fixtures) -> dict:
    """qualname -> a function returning the keyword arguments of one valid call."""
    return {**_core(fx), **_plots(fx), **_exercises_and_explore(fx)}
