"""ember.linalg: linear algebra (torch.linalg)."""

__all__: list[str] = []
