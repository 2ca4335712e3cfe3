"""nn.modules.fold (being written)."""

__all__: list[str] = []
