"""Shared pytest configuration.

Hypothesis runs with a deterministic profile so that a failure reproduces on every run and
in CI. Fixture notebooks (some deliberately wrong) are never collected by nbval directly.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")

collect_ignore = ["fixtures"]
