"""Settings of ``ember.compile`` (torch's ``torch._dynamo.config`` names)."""

# graphs kept per compiled function before it falls back to eager (torch's default 8);
# ``cache_size_limit`` is torch's older name for the same setting
recompile_limit = 8
cache_size_limit = 8
