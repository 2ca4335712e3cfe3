"""Chrome Trace Event JSON for profiler events (viewable in chrome://tracing, Perfetto and
TensorBoard's profiler plugin)."""

from __future__ import annotations

import gzip
import json
import os


def trace_dict(events) -> dict:
    pid = os.getpid()
    trace = []
    for e in events:
        args = {"External id": e.id}
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        if e.stack:
            args["Call stack"] = ";".join(e.stack)
        if e.self_cpu_memory_usage:
            args["Bytes"] = e.self_cpu_memory_usage
        start = e.time_range.start
        trace.append({
            "ph": "X",
            "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
            "name": e.name,
            "pid": pid,
            "tid": e.thread,
            "ts": round(start, 3),
            "dur": round(max(e.time_range.end - start, 0.0), 3),
            "args": args,
        })
    threads = sorted({e.thread for e in events})
    meta = [{"name": "process_name", "ph": "M", "ts": 0, "pid": pid, "tid": 0,
             "args": {"name": "python"}}]
    meta += [{"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": t,
              "args": {"name": f"thread {t}"}} for t in threads]
    return {"schemaVersion": 1, "deviceProperties": [], "traceEvents": meta + trace,
            "displayTimeUnit": "ms", "traceName": "ember"}


def write_chrome_trace(events, path) -> None:
    data = json.dumps(trace_dict(events))
    path = os.fspath(path)
    if path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(data)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(data)
