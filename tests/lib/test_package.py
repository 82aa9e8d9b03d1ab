"""Tests of deeplinear/__init__.py: the public surface that chapters reach as ``dl.<name>``."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

import deeplinear as dl


SUBPACKAGES = ("plots", "exercises", "explore")


def _homes() -> dict[str, list[str]]:
    """Every public name with the modules whose ``__all__`` lists it."""
    homes: dict[str, list[str]] = defaultdict(list)
    for m in dl._MODULES:
        for n in importlib.import_module(f"deeplinear.{m}").__all__:
            homes[n].append(m)
    for m in SUBPACKAGES:
        pkg = importlib.import_module(f"deeplinear.{m}")
        for info in pkgutil.iter_modules(pkg.__path__):
            for n in getattr(importlib.import_module(f"deeplinear.{m}.{info.name}"), "__all__", []):
                homes[n].append(f"{m}.{info.name}")
    return homes


def test_every_public_name_has_exactly_one_home():
    shared = {n: h for n, h in _homes().items() if len(h) > 1}
    assert not shared, f"names exported by more than one module: {shared}"


def test_every_module_of_the_mathematics_is_listed():
    on_disk = {i.name for i in pkgutil.iter_modules(dl.__path__) if not i.name.startswith("_")}
    assert on_disk - set(SUBPACKAGES) == set(dl._MODULES)


def test_the_top_level_holds_the_functions_and_exceptions_of_the_mathematics():
    expected = []
    for m in dl._MODULES:
        mod = importlib.import_module(f"deeplinear.{m}")
        assert getattr(dl, m) is mod
        for n in mod.__all__:
            obj = getattr(mod, n)
            if m in dl._EXTENSIONS:
                assert not hasattr(dl, n), f"dl.{n}: Part IV's functions stay in their module ({m})"
            elif inspect.isfunction(obj) or (inspect.isclass(obj) and issubclass(obj, Exception)):
                expected.append(n)
                assert getattr(dl, n) is obj, n
            else:
                assert not hasattr(dl, n), f"dl.{n}: result types stay in their module ({m})"
    assert sorted(expected) == dl.__all__
    for m in SUBPACKAGES:
        assert getattr(dl, m) is importlib.import_module(f"deeplinear.{m}")


def test_mathematics_lives_in_the_core_modules():
    # names that chapter writers first put into figure or checker modules (see design.md:
    # plots/<topic>.py only draws, exercises/<topic>.py only checks)
    core = {
        "rays": ["ray_fates", "RayFates", "off_ray_turn_time", "off_ray_flow", "OffRayFlow"],
        "orbits": ["stabilizer_rotations", "orbit_tangent_vector"],
        "escape": ["saddle_samples", "saddle_sample_flows", "SaddleSampleFlows", "escape_direction_span", "EscapeSpan"],
        "scalar": ["scalar_h2_limit"],
        "fibres": ["FiberPath", "fiber_path", "first_order_fiber_dimension", "spare_rank_fiber_point"],
        "losses": ["LinearLoss", "linear", "DataQuadraticLoss", "data_quadratic_loss"],
        "modes": ["huber_mode_half_time", "learnt_rank"],
        "unbalanced": ["unbalanced_weights"],
        "descent": ["critical_step"],
        "product_flow": ["end_to_end_velocity", "singular_value_velocity", "margin_rate"],
        "curvature": ["hessian_quadratic_form"],
        "invariants": ["commutator_block_drift", "symmetry_defect"],
        "network": ["nilpotent_jordan_type"],
    }
    homes = _homes()
    for module, names in core.items():
        for n in names:
            assert homes[n] == [module], (n, homes[n])
