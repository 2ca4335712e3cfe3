"""CosineSimilarity / PairwiseDistance modules against torch."""

import numpy as np
import pytest

from tests.nn.helpers import check_module


def r(*shape):
    return np.random.uniform(-2, 2, size=shape).astype(np.float32)


@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "eps": 1e-6}])
def test_cosine_similarity(kw):
    check_module(lambda lib: lib.nn.CosineSimilarity(**kw), [r(4, 5), r(4, 5)])


@pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"p": 3.0, "keepdim": True, "eps": 1e-3}])
def test_pairwise_distance(kw):
    check_module(lambda lib: lib.nn.PairwiseDistance(**kw), [r(4, 5), r(4, 5)])
