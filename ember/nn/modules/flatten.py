"""nn.modules.flatten (being written)."""

__all__: list[str] = []
