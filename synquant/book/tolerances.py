"""``python -m synquant.book.tolerances``: measure the held-out seeds' claims and write
the cached spread from which :func:`synquant.book.paper.tolerances` derives every
tolerance (:data:`synquant.book.paper.SPREAD_FILE`)."""

from __future__ import annotations

import argparse
import sys

from .. import model
from . import paper

__all__ = ["main"]


def main(argv=None) -> int:
    """Write :data:`synquant.book.paper.SPREAD_FILE` (or ``--out``); 0 on success."""
    seeds = paper.TOLERANCE_SEEDS
    parser = argparse.ArgumentParser(
        prog="python -m synquant.book.tolerances",
        description="Write the seed spread behind the book's tolerances "
        f"(seeds {seeds[0]} to {seeds[-1]} of recipe paper, cached weights).",
    )
    parser.add_argument(
        "--out", default=str(paper.SPREAD_FILE), help="JSON file (default: %(default)s)"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite an existing file"
    )
    args = parser.parse_args(argv)
    try:
        path = paper.write_spread(args.out, force=args.force)
    except (OSError, model.WeightsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"seed spread written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
