"""ember.profiler: op events through the dispatch hook, record_function ranges, tables,
Chrome traces, schedules and the TensorBoard trace handler."""

import json
import os

import numpy as np
import pytest

import ember
from ember.ops.registry import _Dispatch
from ember.profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)


def _program():
    a = ember.ones(4, 3)
    b = ember.ones(3, 2)
    c = a @ b
    d = c + 1.0
    e = d * d
    return e.sum()


def _names(events):
    return [e.name for e in events]


def test_ops_recorded_and_hook_removed():
    assert _Dispatch.hook is None
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        assert _Dispatch.hook is not None
        _program()
    assert _Dispatch.hook is None and _Dispatch.hooks == []
    names = _names(prof.events())
    for op in ("matmul", "add", "mul", "sum"):
        assert op in names
    counts = {e.key: e.count for e in prof.key_averages()}
    assert counts["matmul"] == 1 and counts["mul"] == 1 and counts["sum"] == 1
    for e in prof.events():
        assert e.cpu_time_total >= 0 and e.self_cpu_time_total >= -1e-6
    # nothing recorded after the profiler stopped
    n = len(prof.events())
    _program()
    assert len(prof.events()) == n


def test_counts_for_repeated_ops():
    x = ember.ones(5)
    with profile() as prof:
        for _ in range(7):
            x = x * 0.5
        for _ in range(3):
            x = x.exp()
    counts = {e.key: e.count for e in prof.key_averages()}
    assert counts["mul"] == 7 and counts["exp"] == 3


def test_record_shapes_and_grouping():
    with profile(record_shapes=True) as prof:
        ember.ones(2, 3) + ember.ones(2, 3)
        ember.ones(4) + ember.ones(4)
        ember.ones(4) + ember.ones(4)
    adds = [e for e in prof.events() if e.name == "add"]
    assert [e.input_shapes for e in adds] == [[[2, 3], [2, 3]], [[4], [4]], [[4], [4]]]
    grouped = {(e.key, str(e.input_shapes)): e.count
               for e in prof.key_averages(group_by_input_shape=True) if e.key == "add"}
    assert grouped == {("add", "[[2, 3], [2, 3]]"): 1, ("add", "[[4], [4]]"): 2}
    assert [e.count for e in prof.key_averages() if e.key == "add"] == [3]
    # scalars show as []
    with profile(record_shapes=True) as prof:
        ember.ones(3) * 2.0
    mul = [e for e in prof.events() if e.name == "mul"][0]
    assert mul.input_shapes == [[3], []]


def test_record_function_nesting():
    with profile() as prof:
        with record_function("outer"):
            x = ember.ones(3) + 1.0
            with record_function("inner"):
                x = x * 2.0
        x.sum()
    ev = {e.name: e for e in prof.events()}
    outer, inner = ev["outer"], ev["inner"]
    assert inner.cpu_parent is outer and ev["mul"].cpu_parent is inner
    assert ev["add"].cpu_parent is outer and ev["sum"].cpu_parent is None
    for child in (inner, ev["add"]):
        assert outer.time_range.start <= child.time_range.start
        assert child.time_range.end <= outer.time_range.end
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - inner.cpu_time_total - ev["add"].cpu_time_total)
    assert outer.is_user_annotation and not ev["add"].is_user_annotation


def test_record_function_decorator_and_inactive():
    @record_function("step_fn")
    def step(x):
        return x * 3.0

    assert step(ember.ones(2)).tolist() == [3.0, 3.0]  # no profiler: a no-op
    with profile() as prof:
        step(ember.ones(2))
    ev = {e.name: e for e in prof.events()}
    assert ev["mul"].cpu_parent is ev["step_fn"]


def test_backward_ops_recorded_and_memory():
    w = ember.ones(3, 3, requires_grad=True)
    with profile(profile_memory=True) as prof:
        y = (w * 2.0).sum()
        y.backward()
    names = _names(prof.events())
    assert names.count("mul") >= 2  # forward and the backward of mul
    mul = [e for e in prof.events() if e.name == "mul"][0]
    assert mul.self_cpu_memory_usage == 3 * 3 * 4


def test_table_layout_and_sorting():
    with profile(record_shapes=True, profile_memory=True) as prof:
        with record_function("block"):
            for _ in range(3):
                ember.ones(64, 64) @ ember.ones(64, 64)
        ember.ones(2) + ember.ones(2)
    ka = prof.key_averages()
    tbl = ka.table(sort_by="cpu_time_total", row_limit=3)
    lines = tbl.splitlines()
    header = lines[1]
    for col in ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "CPU Mem", "Self CPU Mem", "# of Calls"):
        assert col in header
    assert "Input Shapes" not in header  # only with group_by_input_shape
    assert lines[0].startswith("---") and lines[2].startswith("---")
    rows = lines[3:-2]
    assert len(rows) == 3 and lines[-2].startswith("---")
    assert lines[-1].startswith("Self CPU time total: ")
    assert rows[0].split()[0] == "block"  # largest total first
    totals = sorted(ka, key=lambda e: e.cpu_time_total, reverse=True)
    assert [r.split()[0] for r in rows] == [e.key for e in totals[:3]]
    mm = [e for e in ka if e.key == "matmul"][0]
    assert mm.count == 3 and mm.cpu_memory_usage == 3 * 64 * 64 * 4
    shp = prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total")
    assert "Input Shapes" in shp.splitlines()[1] and "[[64, 64], [64, 64]]" in shp
    rows = [r for r in shp.splitlines()[3:-2]]
    selfs = sorted(prof.key_averages(group_by_input_shape=True),
                   key=lambda e: e.self_cpu_time_total, reverse=True)
    assert [r.split()[0] for r in rows] == [e.key for e in selfs]
    plain = profile()
    with plain:
        ember.ones(2) + 1.0
    t = plain.key_averages().table()
    assert "CPU Mem" not in t and "Input Shapes" not in t
    pct = [float(r.split()[1].rstrip("%")) for r in
           prof.key_averages().table().splitlines()[3:-2]]
    assert sum(pct) == pytest.approx(100.0, abs=0.1)


def test_with_stack():
    with profile(with_stack=True) as prof:
        ember.ones(2) + 1.0
    add = [e for e in prof.events() if e.name == "add"][0]
    assert add.stack and "test_profiler.py" in add.stack[0]
    assert "Source Location" in prof.key_averages(group_by_stack_n=2).table()


def test_chrome_trace(tmp_path):
    with profile(record_shapes=True) as prof:
        with record_function("range"):
            ember.ones(3, 2) + ember.ones(3, 2)
            ember.ones(3).exp()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    evs = [e for e in data["traceEvents"] if e.get("ph") == "X"]
    assert evs
    for e in evs:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "args", "cat"} <= set(e)
        assert e["dur"] >= 0 and isinstance(e["ts"], (int, float))
        assert e["pid"] == os.getpid()
    rng = [e for e in evs if e["name"] == "range"][0]
    assert rng["cat"] == "user_annotation"
    ops = [e for e in evs if e["name"] in ("add", "exp")]
    assert len(ops) == 2
    for op in ops:
        assert op["cat"] == "cpu_op" and op["tid"] == rng["tid"]
        assert rng["ts"] <= op["ts"] and op["ts"] + op["dur"] <= rng["ts"] + rng["dur"] + 1e-3
    add = [e for e in ops if e["name"] == "add"][0]
    assert add["args"]["Input Dims"] == [[3, 2], [3, 2]]


def test_schedule_actions():
    s = schedule(wait=1, warmup=1, active=2, repeat=1, skip_first=1)
    A = ProfilerAction
    assert [s(i) for i in range(7)] == [A.NONE, A.NONE, A.WARMUP, A.RECORD,
                                        A.RECORD_AND_SAVE, A.NONE, A.NONE]
    s = schedule(wait=0, warmup=1, active=1)
    assert [s(i) for i in range(4)] == [A.WARMUP, A.RECORD_AND_SAVE] * 2
    s = schedule(wait=2, warmup=1, active=1, skip_first=1, skip_first_wait=1)
    assert [s(i) for i in range(4)] == [A.NONE, A.WARMUP, A.RECORD_AND_SAVE, A.NONE]
    with pytest.raises(AssertionError):
        schedule(wait=0, warmup=0, active=0)


def test_schedule_records_the_active_steps(tmp_path):
    traces = []

    def on_ready(p):
        steps = sorted({e.name for e in p.events() if e.name.startswith("ProfilerStep#")})
        n_mul = sum(1 for e in p.events() if e.name == "mul")
        traces.append((steps, n_mul))

    x = ember.ones(2)
    with profile(schedule=schedule(wait=1, warmup=1, active=2, repeat=2),
                 on_trace_ready=on_ready) as prof:
        for step in range(10):
            hooked = _Dispatch.hook is not None
            # the hook is installed only while recording (steps 2-3 and 6-7)
            assert hooked == (step in (2, 3, 6, 7)), step
            x * float(step)
            prof.step()
    assert traces == [(["ProfilerStep#2", "ProfilerStep#3"], 2),
                      (["ProfilerStep#6", "ProfilerStep#7"], 2)]
    assert _Dispatch.hook is None


def test_schedule_stop_mid_window_triggers_ready():
    calls = []
    with profile(schedule=schedule(wait=0, warmup=1, active=3),
                 on_trace_ready=lambda p: calls.append(len(p.events()))) as prof:
        for _ in range(3):
            ember.ones(2) + 1.0
            prof.step()
    assert len(calls) == 1 and calls[0] > 0


def test_tensorboard_trace_handler(tmp_path):
    d = tmp_path / "tb"
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=2),
                 on_trace_ready=tensorboard_trace_handler(str(d), worker_name="w0")) as prof:
        for _ in range(5):
            ember.ones(3) * 2.0
            prof.step()
    files = sorted(os.listdir(d))
    assert len(files) == 2
    for f in files:
        assert f.startswith("w0.") and f.endswith(".pt.trace.json")
        int(f.split(".")[1])
        data = json.loads((d / f).read_text())
        names = {e["name"] for e in data["traceEvents"] if e.get("ph") == "X"}
        assert "mul" in names and any(n.startswith("ProfilerStep#") for n in names)
    with profile(on_trace_ready=tensorboard_trace_handler(str(d / "default"))):
        ember.ones(1) + 1.0
    (f,) = os.listdir(d / "default")
    import socket
    assert f.startswith(f"{socket.gethostname()}_{os.getpid()}.")


def test_key_averages_values_consistent():
    with profile() as prof:
        for _ in range(4):
            ember.ones(8).exp()
    exp_events = [e for e in prof.events() if e.name == "exp"]
    avg = [e for e in prof.key_averages() if e.key == "exp"][0]
    assert avg.count == 4
    assert avg.cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in exp_events))
    assert avg.cpu_time == pytest.approx(avg.cpu_time_total / 4)
    assert prof.key_averages().self_cpu_time_total == pytest.approx(
        sum(e.self_cpu_time_total for e in prof.events()))


def test_exception_in_op_keeps_state_clean():
    with pytest.raises(RuntimeError), profile() as prof:
        with record_function("r"):
            ember.ones(2, 3) + ember.ones(4, 5)
    assert _Dispatch.hook is None
    assert all(e.time_range.end >= e.time_range.start for e in prof.events())


def test_cuda_activity_accepted():
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        ember.ones(2) + 1.0
    assert "add" in _names(prof.events())
    assert np.isfinite(prof.key_averages()[0].cpu_time_total)
    assert ember.profiler.profile is profile
