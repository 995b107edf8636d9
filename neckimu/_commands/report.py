"""``neckimu report REC|FOLDER [--out DIR]``: an HTML page with plots, verdicts and progress."""

from __future__ import annotations

import argparse

from neckimu._commands._args import add_force


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="+",
        metavar="REC",
        help="a recording, or a folder: every neckimu recording in it",
    )
    p.add_argument(
        "--out",
        default="out/report",
        help="folder for index.html and its PNGs (default out/report)",
    )
    p.add_argument(
        "--cache",
        metavar="DIR",
        default=None,
        help="where each recording's analysis and figures are kept for the next report "
        "(default $NECKIMU_CACHE_DIR or ~/.cache/neckimu/report; safe to delete)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse every recording again and keep nothing",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes analysing recordings at once (default: every core)",
    )
    add_force(p)


def run(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from neckimu.errors import NeckimuError
    from neckimu.output_files import check_folder, check_outputs
    from neckimu.report import build_report
    from neckimu.report.cache import default_cache_dir

    if args.jobs is not None and args.jobs < 1:
        raise NeckimuError("--jobs must be 1 or more")
    out = check_folder("--out", args.out)
    check_outputs({"--out": out / "index.html"}, args.path, force=args.force)
    cache = None if args.no_cache else Path(args.cache) if args.cache else default_cache_dir()
    result = build_report(
        [Path(p) for p in args.path],
        out,
        cache_dir=cache,
        jobs=args.jobs,
        progress=None,
        today=date.today(),
    )
    for line in result.left_out + result.skipped:
        print(f"note: {line}")
    n, m = len(result.analysed), len(result.reused)
    if cache is not None:
        print(f"analysed {n}, reused {m} from the cache ({cache})")
    index = result.index
    print(f"wrote {index}; open it in a browser (file://{index.resolve()})")
    return 0
