"""nn.utils.parametrizations (being written)."""

__all__: list[str] = []
