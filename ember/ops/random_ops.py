"""random_ops ops (being written)."""

__all__: list[str] = []
