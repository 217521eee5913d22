"""One measurement in a fresh process: ``python -m benchmarks.child MEASURE --url URL``.

The statement counter is installed before anything else is imported, so that every statement
of the measured part is seen (an executemany counts once). Prints one JSON line on stdout:
``wall_s``, ``statements``, ``peak_rss_mb`` (the process's high-water mark during the measured
part: Linux's VmHWM, reset as it starts), ``done``, and ``baseline_s`` where the measure takes
its own baseline.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

COUNTER = [0]


def _count(*_args: object) -> None:
    COUNTER[0] += 1


event.listen(Engine, "before_cursor_execute", _count)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("measure")
    parser.add_argument("--url", required=True)
    parser.add_argument("--params", default="{}", help="a JSON object for the measure")
    args = parser.parse_args(argv)
    from benchmarks.scenarios import MEASURES
    from kulturskole import bootstrap

    bootstrap.wire()  # as every entry point does: transitions run their reactions
    result = MEASURES[args.measure](args.url, COUNTER, json.loads(args.params))
    sys.stdout.flush()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
