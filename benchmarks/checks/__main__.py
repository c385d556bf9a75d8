"""``python -m benchmarks.checks``: kept as the benchmark's command when it became a package."""

from benchmarks.checks.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
