"""Functions for the script-frontend tests: each is scripted by ember and by torch, and
both must reject it (same error type and message) or both accept it."""

# ruff: noqa
import math

import numpy as np


def rej_varargs(x, *args):
    return x


def rej_kwargs(x, **kwargs):
    return x


def rej_kwonly_default(x, *, k=1):
    return x


def rej_try(x):
    try:
        return x
    except Exception:
        return x


def rej_lambda(x):
    f = lambda y: y + 1
    return f(x)


def rej_generator(x):
    yield x


def rej_global(x):
    global math
    return x


def rej_nonlocal_def(x):
    def inner(y):
        return y
    return inner(x)


def rej_import(x):
    import os
    return x


def rej_class(x):
    class A:
        pass
    return x


def rej_set(x):
    s = {1, 2}
    return x


def rej_for_else(x):
    for i in range(3):
        x = x + i
    else:
        x = x - 1
    return x


def rej_while_else(x):
    while False:
        pass
    else:
        x = x + 1
    return x


def rej_kwarg_expansion(x):
    d = {"dim": 0}
    return x.sum(**d)


def rej_dict_expansion(x):
    d = {"a": x}
    e = {**d}
    return x


def rej_comp_if(x):
    return [i for i in range(3) if i]


def rej_two_generators(x):
    return [i + j for i in range(2) for j in range(2)]


def rej_walrus(x):
    if (y := x) is not None:
        return y
    return x


def rej_uadd(x):
    return +x


def rej_floordiv_aug(x):
    x //= 2
    return x


def rej_jit_name(x):
    __jit_y = x
    return __jit_y


def rej_calls_bad_helper(x):
    return helper_with_try(x)


def helper_with_try(x):
    try:
        return x
    finally:
        pass


def acc_control_flow(x, n: int):
    y = x
    for i in range(n):
        if bool(y.sum() > 0):
            y = y - 1
        else:
            y = y + 1
    while n > 0:
        n -= 1
        y = y * 1
    return y


def acc_containers(x):
    a = [x, x * 2]
    t = (x, 1)
    d = {"k": x}
    s = [v + 1 for v in a]
    return s[0] + d["k"] + t[0] + a[1][0:1].sum()


def acc_misc(x):
    assert x.dim() > 0, "need a tensor"
    y = x if x.numel() > 1 else x * 2
    z = -y
    del z
    msg = f"{x.dim()}"
    with_none = None
    if with_none is None and not False:
        y = y @ y.t() if y.dim() == 2 else y
    return y
