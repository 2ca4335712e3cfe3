"""nn.utils.parametrize (being written)."""

__all__: list[str] = []
