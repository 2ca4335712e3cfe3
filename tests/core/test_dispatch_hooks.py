"""The dispatch hook chain (where autocast, the profiler and the tracer attach)."""

import ember
from ember.ops.registry import _Dispatch, pop_hook, push_hook


def test_hooks_see_every_op_and_compose_in_order():
    seen = []

    def outer(cls, args, params, call_next):
        seen.append(("outer", cls.op_name))
        return call_next(cls, args, params)

    def inner(cls, args, params, call_next):
        seen.append(("inner", cls.op_name))
        out = call_next(cls, args, params)
        return out * 1 if cls.op_name == "neverused" else out

    push_hook(inner)
    push_hook(outer)
    try:
        x = ember.ones(3, requires_grad=True)
        y = (x * 2).exp().sum()
        y.backward()
    finally:
        pop_hook(outer)
        pop_hook(inner)
    assert _Dispatch.hook is None and _Dispatch.hooks == []
    names = [n for _, n in seen]
    assert names[:6:2] == ["mul", "exp", "sum"]
    assert seen[0] == ("outer", "mul") and seen[1] == ("inner", "mul")
    # backward ops dispatch through the hooks too
    assert len(seen) > 6
    assert x.grad is not None


def test_hook_can_replace_result():
    def double(cls, args, params, call_next):
        out = call_next(cls, args, params)
        if cls.op_name == "neg":
            out._data *= 2
        return out

    push_hook(double)
    try:
        r = -ember.ones(2)
    finally:
        pop_hook(double)
    assert r.tolist() == [-2.0, -2.0]
    assert (-ember.ones(2)).tolist() == [-1.0, -1.0]
