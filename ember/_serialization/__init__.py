"""Internals of ``ember.serialization`` (zip container, restricted unpickler)."""
