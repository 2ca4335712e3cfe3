"""nn_linear ops (being written)."""

__all__: list[str] = []
