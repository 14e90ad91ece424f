"""Load tests and benchmarks: every run bounded in count and time, stopping by itself."""
