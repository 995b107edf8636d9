"""The HTML report of one recording or a folder of them (``neckimu report``).

``write_report(recordings, out_dir)`` analyses every recording (``neckimu.pipeline.analyze``),
draws PNG figures with matplotlib (Agg, no pyplot) and writes ``out_dir/index.html``: the
safety notice, progress across sessions (by day and ISO week), and per session the angles of
each exercise, the retraction paths over the target corridor and a table of every rep's
verdict. The page is self-contained in ``out_dir``: no JavaScript, no network resources.

Modules: ``sessions`` (which files, their dates, their analyses), ``progress`` (per-session
figures pooled by day and week), ``paths`` (per-sample retraction paths), ``figures`` (PNG),
``html`` (the page).
"""

from neckimu.report.html import write_report

__all__ = ["write_report"]
