"""nn.utils.weight_norm (being written)."""

__all__: list[str] = []
