"""nn.utils.convert_parameters (being written)."""

__all__: list[str] = []
