"""The HTML report of one recording or a folder of them (``neckimu report``).

``write_report(recordings, out_dir)`` (or :func:`build_report`, which also says what it
reused) writes ``out_dir/index.html`` with its PNG figures: the safety notice, a summary in
plain words, progress across sessions (by day and ISO week), range of motion over the weeks,
and per session the angles of each exercise, the retraction paths over the target region, a
table of every rep's verdict and its technical details. The page is self-contained in
``out_dir``: no JavaScript, no network resources; it prints on A4.

Modules: ``sessions`` (which files, their dates, loading their records in parallel),
``record`` (one recording's analysis JSON and figures), ``cache`` (where records are kept and
when they are reused), ``progress`` (per-session figures pooled by day and week), ``rom``
(range of motion by week, left against right), ``summary`` (the plain-words summary),
``words`` (phrasing), ``figures`` (PNG), ``html`` (the page).
"""

from neckimu.report.html import ReportResult, build_report, write_report

__all__ = ["ReportResult", "build_report", "write_report"]
