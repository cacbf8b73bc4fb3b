"""``python -m bench``: the rollup benchmark on PostgreSQL (see bench/README.md)."""

import sys

from bench.rollup_bench import main

sys.exit(main())
