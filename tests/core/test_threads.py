"""ember.set_num_threads / get_num_threads drive NumPy's OpenBLAS pool."""

import pytest
import torch

import ember


def test_set_get_round_trip():
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(before)
    assert ember.get_num_threads() == before


def test_invalid_thread_count_raises_like_torch():
    with pytest.raises(RuntimeError):
        torch.set_num_threads(0)
    with pytest.raises(RuntimeError):
        ember.set_num_threads(0)
