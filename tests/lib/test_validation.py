"""Shared input checks and small array helpers of deeplinear._validation."""

import numpy as np
import pytest

from deeplinear._validation import as_positive_values, frozen_array


def test_frozen_array_is_a_read_only_copy():
    src = [1.0, 2.0]
    a = frozen_array(src)
    assert a.dtype == float and not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 3.0
    b = np.arange(3)
    c = frozen_array(b, dtype=int)
    b[0] = 7
    assert c[0] == 0 and c.dtype == int


@pytest.mark.parametrize("bad", [[], [1.0, 0.0], [1.0, np.nan], [[1.0]], [1.0, -2.0]])
def test_as_positive_values_names_the_bad_value(bad):
    with pytest.raises(ValueError, match="sigma must be a non-empty 1-D list of positive finite numbers"):
        as_positive_values(bad, "sigma")


def test_as_positive_values_accepts_and_rejects_types():
    assert as_positive_values((3, 2.5)).tolist() == [3.0, 2.5]
    with pytest.raises(TypeError, match="singular_values must be a sequence of numbers"):
        as_positive_values(["a"])


def test_as_items_and_as_depths_name_the_argument():
    from deeplinear._validation import as_depths, as_items

    assert as_items(range(3), "xs") == [0, 1, 2] and as_items(np.array([1.0, 2.0]), "xs") == [1.0, 2.0]
    for bad in (None, 3, "abc", object(), np.zeros((2, 2))):
        with pytest.raises(TypeError, match="xs must be a sequence"):
            as_items(bad, "xs")
    with pytest.raises(ValueError, match="xs must not be empty"):
        as_items([], "xs")
    assert as_items((), "xs", allow_empty=True) == []
    assert as_depths((1, 2, np.int64(3))) == (1, 2, 3)
    with pytest.raises(ValueError, match="at least one depth"):
        as_depths(())
    with pytest.raises((TypeError, ValueError), match=r"depths\[1\]"):
        as_depths((2, 0))
    with pytest.raises(TypeError, match="depths must be a sequence"):
        as_depths(None)
