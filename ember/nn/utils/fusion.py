"""nn.utils.fusion (being written)."""

__all__: list[str] = []
