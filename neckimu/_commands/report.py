"""``neckimu report REC|FOLDER [--out DIR]``: an HTML page with plots, verdicts and progress."""

from __future__ import annotations

import argparse


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


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neckimu.report import write_report

    skipped: list[str] = []
    index = write_report([Path(p) for p in args.path], Path(args.out), skipped)
    for line in skipped:
        print(f"note: {line}")
    print(f"wrote {index}; open it in a browser (file://{index.resolve()})")
    return 0
