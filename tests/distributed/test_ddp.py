"""DistributedDataParallel on 2 ranks: sync at construction, training equality against a
single process on the global batch, no_sync, unused parameters."""

import json
import os

import pytest

from .conftest import launch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    rc, so, se = launch("_ddp_worker.py", out, "train", "train_small_buckets", "train_as_view",
                        "train_as_view_zeroed", "static_graph", "no_sync",
                        "unused_error", "unused_find", "comm_hooks", "syncbn", timeout=180)
    assert rc == 0, so + se
    return [json.load(open(os.path.join(out, f"rank{r}.json"))) for r in range(2)]


@pytest.mark.parametrize("name", ["train", "train_small_buckets", "train_as_view",
                                  "train_as_view_zeroed"])
def test_train_matches_single_process(results, name):
    for r in results:
        res = r[name]
        assert "traceback" not in res, res.get("traceback")
        assert res["differ_before"] and res["equal_after_construction"]
        assert res["steps"] == 10 and res["moved"] > 1e-3
        assert res["bitwise_equal_across_ranks"]
        assert res["max_abs_diff_vs_single_process"] < 1e-5
        assert res["state_dict_prefixed"]
    assert results[0]["train_small_buckets"]["buckets"] > 1
    # gradient_as_bucket_view=True: the .grad tensors are slices of the buckets
    assert results[0][name]["grads_are_bucket_views"] == name.startswith("train_as_view")


def test_static_graph(results):
    for r in results:
        res = r["static_graph"]
        assert "traceback" not in res, res.get("traceback")
        assert res["unused_grad_is_none"] and res["equal_across_ranks"]
        assert res["max_abs_diff_vs_reference"] < 1e-6


def test_no_sync(results):
    for r in results:
        res = r["no_sync"]
        assert "traceback" not in res, res.get("traceback")
        assert res["unsynced_inside_no_sync"] and res["equal_across_ranks"]
        assert res["max_abs_diff_vs_reference"] < 1e-5


def test_unused_parameter_error(results):
    for rank, r in enumerate(results):
        msg = r["unused_error"]["error"]
        assert msg is not None
        assert "Expected to have finished reduction in the prior iteration" in msg
        assert f"Parameter indices which did not receive grad for rank {rank}: 2 3" in msg
        assert "unused.weight, unused.bias" in msg


def test_find_unused_parameters(results):
    for r in results:
        res = r["unused_find"]
        assert "traceback" not in res, res.get("traceback")
        assert res["used_grads_equal"] and res["unused_grad_is_none"]
        assert res["max_abs_diff_vs_reference"] < 1e-6


def test_comm_hooks(results):
    for r in results:
        res = r["comm_hooks"]
        assert "traceback" not in res, res.get("traceback")
        assert res["allreduce_calls_ok"] and res["fp16_calls_ok"]
        assert res["allreduce_max_diff"] < 1e-6
        assert 0 < res["fp16_max_diff"] < 1e-2
        assert res["fp16_equal_across_ranks"]
        assert "can only be called once" in res["twice_error"]


def test_sync_batchnorm_matches_global_batch(results):
    """SyncBatchNorm on 2 ranks with different batch sizes equals BatchNorm on the
    concatenated batch: outputs, input grads, summed weight grads, running stats."""
    for r in results:
        res = r["syncbn"]
        assert "traceback" not in res, res.get("traceback")
        for k in ("y0", "y1", "dx0", "dx1", "dweight_rel", "dbias_rel"):
            assert res[k] < 1e-5, (k, res[k])
        for k in ("running_mean", "running_var", "eval"):
            assert res[k] < 1e-6, (k, res[k])
