"""nn.modules.sparse (being written)."""

__all__: list[str] = []
