"""Benchmarks comparing ember with PyTorch on the same torch-API workload code."""
