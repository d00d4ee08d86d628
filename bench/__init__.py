"""Side-by-side benchmarks (see docs/benchmarks.md)."""
