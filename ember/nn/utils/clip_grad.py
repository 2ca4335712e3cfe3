"""nn.utils.clip_grad (being written)."""

__all__: list[str] = []
