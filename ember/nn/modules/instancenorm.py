"""nn.modules.instancenorm (being written)."""

__all__: list[str] = []
