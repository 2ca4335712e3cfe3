"""Printing tensors in torch's format (placeholder)."""


def tensor_repr(t) -> str:
    return f"tensor({t._data!r})"
