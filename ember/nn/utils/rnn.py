"""nn.utils.rnn (being written)."""

__all__: list[str] = []
