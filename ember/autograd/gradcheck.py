"""Finite-difference gradient checks (placeholder, filled in below)."""


def gradcheck(*a, **k):
    raise NotImplementedError


def gradgradcheck(*a, **k):
    raise NotImplementedError
