"""The cases of ``tools/benchmark.py`` that need more than a few lines."""
