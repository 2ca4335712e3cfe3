"""A minimal ``torch.futures.Future`` for communication hooks: lazily completed by
waiting the underlying :class:`Work` (MPI requests are driven by polling)."""

from __future__ import annotations

__all__ = ["Future"]


class Future:
    def __init__(self, waiter=None) -> None:
        self._waiter = waiter
        self._done = False
        self._value = None
        self._error = None

    def set_result(self, result) -> None:
        self._value, self._done, self._waiter = result, True, None

    def set_exception(self, exc) -> None:
        self._error, self._done, self._waiter = exc, True, None

    def done(self) -> bool:
        return self._done

    def wait(self):
        if not self._done:
            w, self._waiter = self._waiter, None
            try:
                self._value = w() if w is not None else None
            except BaseException as e:
                self._error = e
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value

    def value(self):
        return self.wait()

    def then(self, callback) -> Future:
        return Future(lambda: callback(self))
