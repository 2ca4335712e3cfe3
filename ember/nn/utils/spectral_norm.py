"""nn.utils.spectral_norm (being written)."""

__all__: list[str] = []
