"""nn.modules.padding (being written)."""

__all__: list[str] = []
