"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The flag lives on one class so the dispatcher reads it with a single attribute load.
"""

from __future__ import annotations

import functools
import inspect


class _Mode:
    grad_enabled = True
    inference = False


def is_grad_enabled() -> bool:
    return _Mode.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _Mode.inference


class _DecoratorContextManager:
    """A context manager that is also usable as a decorator (``@no_grad()``)."""

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError("cannot decorate a class with a grad-mode context manager")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:  # noqa: BLE001 - forwarded into the generator
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        with self.clone():
                            response = gen.send(request)
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Disables gradient recording inside the block (``torch.no_grad``)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _Mode.grad_enabled
        _Mode.grad_enabled = False

    def __exit__(self, *exc) -> None:
        _Mode.grad_enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Enables gradient recording inside the block (``torch.enable_grad``)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _Mode.grad_enabled
        _Mode.grad_enabled = True

    def __exit__(self, *exc) -> None:
        _Mode.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode now; restores the previous mode when used as a context manager."""

    def __init__(self, mode: bool) -> None:
        self.prev = _Mode.grad_enabled
        self.mode = bool(mode)
        _Mode.grad_enabled = self.mode

    def __enter__(self) -> None:
        _Mode.grad_enabled = self.mode

    def __exit__(self, *exc) -> None:
        _Mode.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad``; tensors made inside are marked as inference tensors."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used as a bare decorator: @inference_mode

    def __enter__(self) -> None:
        self.prev = (_Mode.grad_enabled, _Mode.inference)
        if self.mode:
            _Mode.grad_enabled = False
            _Mode.inference = True

    def __exit__(self, *exc) -> None:
        _Mode.grad_enabled, _Mode.inference = self.prev

    def clone(self):
        return self.__class__(self.mode)
