"""Every collective on 2 ranks (float32/float64/int64) against NumPy references."""

import json
import os

import pytest

from .conftest import launch

pytestmark = pytest.mark.slow

NAMES = ["all_reduce", "all_reduce_async", "all_reduce_noncontig", "broadcast", "reduce",
         "all_gather", "all_gather_into_tensor", "gather", "scatter", "reduce_scatter",
         "reduce_scatter_tensor", "all_to_all", "all_to_all_single", "send_recv",
         "isend_irecv", "batch_isend_irecv"]
KEYS = [f"{n}[{d}]" for d in ("float32", "float64", "int64") for n in NAMES] + \
    ["objects", "groups", "half_bfloat16"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("coll")
    rc, so, se = launch("_collectives_worker.py", out, timeout=120)
    assert rc == 0, so + se
    return [json.load(open(os.path.join(out, f"rank{r}.json"))) for r in range(2)]


@pytest.mark.parametrize("key", KEYS)
def test_collective(results, key):
    for r, res in enumerate(results):
        assert res.get(key) == "ok", f"rank {r}: {res.get(key)}"


def test_all_checks_listed(results):
    assert sorted(results[0]) == sorted(KEYS)
