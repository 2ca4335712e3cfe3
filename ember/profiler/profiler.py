"""``ember.profiler``: torch.profiler's API over ember's one dispatch point.

While a trace is being recorded the profiler installs a dispatch hook
(``ember.ops.registry.push_hook``) that times every op call; at any other time (no
profiler, or a schedule's wait/warmup steps) no hook is installed and the dispatcher pays
nothing.  Op events nest under the ``record_function`` ranges (and under ops that call
other ops) open on the same thread."""

from __future__ import annotations

import enum
import os
import sys
import threading
import time
import warnings
from functools import partial, wraps
from itertools import count

from ._events import EventList, FunctionEvent

__all__ = ["profile", "record_function", "schedule", "ProfilerAction", "ProfilerActivity",
           "tensorboard_trace_handler", "supported_activities"]

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ids = count(1)


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


def supported_activities() -> set:
    acts = {ProfilerActivity.CPU}
    try:
        from .. import cuda
        if cuda.is_available():
            acts.add(ProfilerActivity.CUDA)
    except Exception:  # pragma: no cover
        pass
    return acts


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0):
    """torch's schedule: skip ``skip_first`` steps, then cycles of ``wait`` (NONE),
    ``warmup`` (WARMUP) and ``active`` (RECORD, the last RECORD_AND_SAVE) steps,
    ``repeat`` times (0: forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), "
            f"warmup={warmup} (need >= 0), active={active} (need > 0), repeat={repeat} "
            f"(need >= 0), skip_first={skip_first} (need >= 0).")

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod = step % num_steps
        if mod < wait:
            return ProfilerAction.NONE
        if mod < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False):
    """An ``on_trace_ready`` writing ``<worker>.<time_ns>.pt.trace.json[.gz]`` into
    ``dir_name`` (worker defaults to ``<hostname>_<pid>``), as torch."""
    import socket

    def handler_fn(prof) -> None:
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


# --- recording ----------------------------------------------------------------------------

class _State:
    recorder = None      # the _Recorder of the trace being recorded, or None


class _Recorder:
    """Collects events while installed as a dispatch hook."""

    def __init__(self, record_shapes, profile_memory, with_stack):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.events: list[FunctionEvent] = []
        self.stacks: dict[int, list] = {}
        # µs since the epoch = perf_counter_ns / 1000 + offset
        self.offset_us = time.time_ns() / 1000.0 - time.perf_counter_ns() / 1000.0
        from .._tensor import Tensor
        self._tensor = Tensor

    def now_us(self) -> float:
        return time.perf_counter_ns() / 1000.0 + self.offset_us

    def _stack(self):
        tid = threading.get_native_id()
        st = self.stacks.get(tid)
        if st is None:
            st = self.stacks[tid] = []
        return tid, st

    def open(self, name, shapes, user):
        tid, st = self._stack()
        ev = FunctionEvent(next(_ids), name, tid, self.now_us(), 0.0, shapes,
                           self._py_stack() if self.with_stack else None,
                           is_user_annotation=user)
        if st:
            parent = st[-1]
            ev.cpu_parent = parent
            parent.cpu_children.append(ev)
        st.append(ev)
        self.events.append(ev)
        return ev, st

    @staticmethod
    def _py_stack():
        out = []
        f = sys._getframe(2)
        while f is not None:
            fn = f.f_code.co_filename
            if not os.path.abspath(fn).startswith(_EMBER_DIR):
                out.append(f"{fn}({f.f_lineno}): {f.f_code.co_name}")
            f = f.f_back
        return out

    def hook(self, cls, args, params, call_next):
        shapes = None
        if self.record_shapes:
            T = self._tensor
            shapes = [list(a._data.shape) if isinstance(a, T) else [] for a in args]
        ev, st = self.open(cls.op_name, shapes, False)
        try:
            out = call_next(cls, args, params)
        finally:
            ev.time_range.end = self.now_us()
            if st and st[-1] is ev:
                st.pop()
        if self.profile_memory:
            T = self._tensor
            if isinstance(out, T):
                ev._own_memory = out._data.nbytes
            elif isinstance(out, (tuple, list)):
                ev._own_memory = sum(o._data.nbytes for o in out if isinstance(o, T))
        return out

    def finish(self):
        end = self.now_us()
        for ev in self.events:
            if ev.time_range.end == 0.0:   # a range still open when the trace stopped
                ev.time_range.end = end
        self.stacks.clear()


class record_function:
    """Label a code range (context manager or decorator); while a profiler records, the
    ops run inside nest under an event of this name."""

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._ev = None
        self._rec = None

    def __enter__(self):
        rec = _State.recorder
        if rec is not None:
            self._rec = rec
            self._ev, self._st = rec.open(self.name, [], True)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        ev = self._ev
        if ev is not None:
            ev.time_range.end = self._rec.now_us()
            st = self._st
            if ev in st:
                while st and st.pop() is not ev:
                    pass
            self._ev = self._rec = None
        return False

    def __call__(self, fn):
        @wraps(fn)
        def wrapper(*a, **k):
            with record_function(self.name, self.args):
                return fn(*a, **k)
        return wrapper


# --- the profiler -------------------------------------------------------------------------

class profile:
    """Profiler context manager (torch.profiler.profile's API for CPU activity).

    ``schedule`` + ``step()`` drive torch's ProfilerAction state machine; each finished
    active window calls ``on_trace_ready(prof)``. ``key_averages()``/``events()`` give the
    last recorded window."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None):
        if activities is not None:
            acts = set()
            for item in activities:
                if isinstance(item, dict):
                    acts.update(item.keys())
                else:
                    acts.add(item)
        else:
            acts = supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead",
                          FutureWarning, stacklevel=2)
            if use_cuda:
                acts.add(ProfilerActivity.CUDA)
        if len(acts) == 0:
            raise AssertionError("No valid profiler activities found")
        self.activities = acts
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        if schedule:
            self.schedule = schedule
            self.record_steps = True
        else:
            self.schedule = _default_schedule_fn
            self.record_steps = False
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.step_rec_fn = None
        self.current_action = self.schedule(self.step_num)
        self._recorder = None       # prepared (warmup) or recording
        self._recording = False
        self._events = None          # EventList of the last finished window
        A = ProfilerAction
        prep, start, stop, ready = (self.prepare_trace, self.start_trace, self.stop_trace,
                                    self._trace_ready)
        self.action_map = {
            (A.NONE, A.NONE): [],
            (A.NONE, A.WARMUP): [prep],
            (A.NONE, A.RECORD): [prep, start],
            (A.NONE, A.RECORD_AND_SAVE): [prep, start],
            (A.WARMUP, A.NONE): [partial(warnings.warn,
                                         "Incorrect schedule: WARMUP followed by NONE"),
                                 start, stop],
            (A.WARMUP, A.WARMUP): [],
            (A.WARMUP, A.RECORD): [start],
            (A.WARMUP, A.RECORD_AND_SAVE): [start],
            (A.RECORD, A.NONE): [partial(warnings.warn,
                                         "Incorrect schedule: RECORD followed by NONE"), stop],
            (A.RECORD, A.WARMUP): [partial(warnings.warn,
                                           "Incorrect schedule: RECORD followed by WARMUP"),
                                   stop],
            (A.RECORD, A.RECORD): [],
            (A.RECORD, A.RECORD_AND_SAVE): [],
            (A.RECORD_AND_SAVE, A.NONE): [stop, ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [stop, ready, prep],
            (A.RECORD_AND_SAVE, A.RECORD): [stop, ready, prep, start],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [stop, ready, prep, start],
            (A.WARMUP, None): [start, stop],
            (A.RECORD, None): [stop, ready],
            (A.RECORD_AND_SAVE, None): [stop, ready],
            (A.NONE, None): [],
        }

    # context manager and step protocol
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()

    def start(self) -> None:
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def stop(self) -> None:
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit_action(self.current_action, None)

    def step(self) -> None:
        """Signal that the next profiling step has started."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(prev, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _transit_action(self, prev, current) -> None:
        for action in self.action_map.get((prev, current), []):
            action()

    # trace control
    def prepare_trace(self) -> None:
        self._recorder = _Recorder(self.record_shapes, self.profile_memory, self.with_stack)

    def start_trace(self) -> None:
        from ..ops.registry import push_hook
        if self._recorder is None:
            self.prepare_trace()
        if self._recording:
            return
        if _State.recorder is not None:
            raise RuntimeError("Profiler is already enabled on this process")
        self._hook = self._recorder.hook
        push_hook(self._hook)
        _State.recorder = self._recorder
        self._recording = True

    def stop_trace(self) -> None:
        from ..ops.registry import pop_hook
        if not self._recording:
            return
        pop_hook(self._hook)
        _State.recorder = None
        self._recording = False
        rec = self._recorder
        rec.finish()
        self._events = EventList(rec.events, profile_memory=self.profile_memory,
                                 with_stack=self.with_stack)
        self._recorder = None

    def _trace_ready(self) -> None:
        if self.on_trace_ready:
            self.on_trace_ready(self)

    # results
    def events(self) -> EventList:
        if self._events is None:
            if self._recorder is not None:
                return EventList(list(self._recorder.events),
                                 profile_memory=self.profile_memory,
                                 with_stack=self.with_stack)
            return EventList(profile_memory=self.profile_memory, with_stack=self.with_stack)
        return self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path) -> None:
        self.events().export_chrome_trace(path)

    def table(self, **kw) -> str:
        return self.key_averages().table(**kw)

    def __str__(self):
        return self.table()
