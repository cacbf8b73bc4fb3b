"""``python -m bench``: the rollup benchmark on PostgreSQL (see bench/README.md).

``python -m bench pdf [options]``: the PDF rendering benchmark (bench/pdf_bench.py).

``python -m bench api [options]``: the REST API load benchmark (bench/api_bench.py).
"""

import sys

if sys.argv[1:2] == ["pdf"]:
    from bench.pdf_bench import main as pdf_main

    sys.exit(pdf_main(sys.argv[2:]))

if sys.argv[1:2] == ["api"]:
    from bench.api_bench import main as api_main

    sys.exit(api_main(sys.argv[2:]))

from bench.rollup_bench import main  # noqa: E402

sys.exit(main())
