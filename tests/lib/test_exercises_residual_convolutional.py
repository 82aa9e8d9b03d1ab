"""Tests of the checkers of the chapter on residual and convolutional linear networks."""

import numpy as np

import deeplinear as dl


def test_conv_predictor_checker_accepts_right_and_rejects_wrong_answers():
    right = lambda F: np.fft.ifft(np.prod(np.fft.fft(F, axis=1), axis=0)).real
    assert dl.exercises.check_conv_predictor(right).passed
    linear = lambda F: np.prod(F, axis=0)  # entrywise product: wrong
    res = dl.exercises.check_conv_predictor(linear)
    assert not res.passed and "off by" in res.message
    def stub(F):
        raise NotImplementedError("fill in")
    assert "NotImplementedError" in dl.exercises.check_conv_predictor(stub).message


def test_stall_loss_checker_accepts_right_and_rejects_wrong_answers():
    right = lambda S: 0.5 * sum(l**2 for l in np.linalg.eigvalsh(S) if l < 0)
    assert dl.exercises.check_stall_loss(right).passed
    diagonal = lambda S: 0.5 * sum(d**2 for d in np.diag(S) if d < 0)  # ignores the rotation
    assert not dl.exercises.check_stall_loss(diagonal).passed
    everything = lambda S: 0.5 * np.sum(np.linalg.eigvalsh(S) ** 2)
    assert not dl.exercises.check_stall_loss(everything).passed
    assert not dl.exercises.check_stall_loss(lambda S: None).passed
