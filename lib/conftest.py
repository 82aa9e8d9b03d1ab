"""Doctests of the library (`make test` runs pytest with --doctest-modules on lib/).

Every example sees ``np`` and ``dl`` (``import deeplinear as dl``), as in the book's cells;
printed floats are compared to the precision they are written with (NUMBER).
"""

import numpy as np
import pytest

import deeplinear


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["dl"] = deeplinear
    np.set_printoptions(precision=6, suppress=True)
    yield
    np.set_printoptions(precision=8, suppress=False)
