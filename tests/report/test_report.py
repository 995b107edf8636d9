"""The HTML report: self-contained, one verdict row per rep of ``neckimu analyze``, progress
over days and weeks, sessions in date order, one-line errors."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from neckimu import SAFETY_NOTICE
from neckimu.cli import main
from neckimu.report import write_report
from tests.report.conftest import short_session


class _Page(HTMLParser):
    """Collects what the tests look at: resources, sections, table rows and their cells."""

    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.hrefs: list[str] = []
        self.tags: set[str] = set()
        self.sections: list[str] = []  # id of each session section, in page order
        self.rows: dict[str, list[list[str]]] = {}  # table class -> body rows' cell texts
        self.rep_sections: list[str] = []  # for each verdict row, its session section
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._tbody = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if "src" in a:
            self.srcs.append(a["src"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "section" and a.get("class") == "session":
            self.sections.append(a["id"])
        elif tag == "table":
            self._table = a.get("class", "")
            self.rows.setdefault(self._table, [])
        elif tag == "tbody":
            self._tbody = True
        elif tag == "tr" and self._table is not None and self._tbody:
            self._row = []
            if "rep" in (a.get("class") or "").split():
                self.rep_sections.append(self.sections[-1])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._tbody = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(index: Path) -> tuple[_Page, str]:
    text = index.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return page, text


@pytest.fixture(scope="module")
def analyze_reps(rec_folder, tmp_path_factory) -> dict[str, list[dict]]:
    """The reps of ``neckimu analyze --json`` of each session of the report's folder, by file
    stem: run once for the tests that compare the page with them (they only read them)."""
    out_dir = tmp_path_factory.mktemp("analyze")
    reps = {}
    for stem in ("b_monday", "c_wednesday", "a_next_week", "d_no_created"):
        out = out_dir / f"{stem}.json"
        assert (
            main(["analyze", str(rec_folder / f"{stem}.csv"), "--json", str(out), "--quiet"]) == 0
        )
        reps[stem] = json.loads(out.read_text())["reps"]
    return reps


def test_page_is_self_contained(report_dir):
    page, text = _parse(report_dir / "index.html")
    pngs = [s for s in page.srcs if s.endswith(".png")]
    assert len(pngs) >= 4 * 4  # per session: whole, calibration, holds, retraction, ...
    assert page.srcs == pngs, "only PNG resources"
    for src in pngs:
        assert "/" not in src and (report_dir / src).is_file(), src
        assert (report_dir / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "script" not in page.tags
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), "no network resources"
    assert all(h.startswith(("#", "data:")) for h in page.hrefs)
    assert SAFETY_NOTICE in text.replace("&#x27;", "'")


def test_verdict_rows_are_the_reps_of_analyze(report_dir, analyze_reps):
    page, _ = _parse(report_dir / "index.html")
    verdicts = page.rows.get("verdicts")
    # sessions in date order: created, created, created, then the file-time one
    order = ["b_monday", "c_wednesday", "a_next_week", "d_no_created"]
    assert [s.split("-", 1)[1] for s in page.sections] == order
    k = 0
    for n, stem in enumerate(order):
        reps = analyze_reps[stem]
        assert len(reps) >= 5
        rows = verdicts[k : k + len(reps)]
        assert all(page.rep_sections[k + i] == page.sections[n] for i in range(len(reps)))
        # a rep cut off or without data is "not judged" (its JSON verdict is fail)
        assert [r[3] for r in rows] == [
            "not judged" if "incomplete" in r["faults"] else r["verdict"] for r in reps
        ]
        for row, rep in zip(rows, reps, strict=True):
            # the message without "retraction 3: pass, " (the other columns say it); a
            # passing retraction says its glide back and up or down without a path angle,
            # in the message's numbers
            if rep["exercise"] == "retraction" and rep["verdict"] == "pass":
                back = rep["message"].split("glided ", 1)[1].split(" mm back")[0]
                assert row[-1].startswith(f"glided {back} mm back, ")
                assert "deg" not in row[-1] and "-" not in row[-1]
            else:
                assert rep["message"].endswith(f"{rep['verdict']}, {row[-1]}"), row
        k += len(reps)
    assert k == len(verdicts), "no verdict rows beyond the reps of analyze"


def test_progress_over_days_and_weeks(report_dir):
    page, text = _parse(report_dir / "index.html")
    assert "progress.png" in page.srcs
    days = page.rows.get("days")
    weeks = page.rows.get("weeks")
    assert [d[0] for d in days] == ["2025-03-03", "2025-03-05", "2025-03-11", "2025-03-12"]
    assert [w[0] for w in weeks] == ["2025-W10", "2025-W11"]
    assert [w[1] for w in weeks] == ["2", "2"]  # sessions per week
    # every rep judged (an incomplete one is listed but not counted: it was not judged)
    reps = sum("not judged" not in " ".join(v) for v in page.rows.get("verdicts"))
    assert sum(int(d[3]) for d in days) == reps == sum(int(w[3]) for w in weeks)
    assert "4 sessions on 4 days in 2 weeks" in text


def test_mtime_dates_a_session_without_created(report_dir):
    _, text = _parse(report_dir / "index.html")
    assert re.search(r"Session 4: 2025-03-12 12:00 — d_no_created\.csv", text)
    text = text.replace("&#x27;", "'")
    assert text.count("<dt>date taken from</dt><dd>the time stored in the recording") == 3
    assert text.count("<dt>date taken from</dt><dd>the file's modification time") == 1


def test_one_recording_and_the_library_call(tmp_path):
    rec = tmp_path / "one.csv.gz"
    short_session(21, rec)
    index = write_report([rec], tmp_path / "r")
    assert index == tmp_path / "r" / "index.html"
    page, text = _parse(index)
    assert page.sections == ["s01-one"]
    assert "appears once there are recordings of several sessions" in text
    assert "progress.png" not in page.srcs
    assert "Retraction" in text and "retraction-paths.png" in " ".join(page.srcs)


def test_posture_session_in_the_report(tmp_path):
    from neckimu.sim import SessionConfig, simulate_session

    rec = tmp_path / "desk.csv"
    simulate_session(SessionConfig(script="posture", rest_duration_s=240.0, seed=4)).write(rec)
    page, text = _parse(write_report([rec], tmp_path / "r"))
    assert "<h3>Desk posture</h3>" in text and "s01-desk-posture.png" in page.srcs
    assert re.search(
        r"Head tilted forward \(more than \d+ degrees from upright\) for "
        r"\d+:\d\d min",
        text,
    )
    assert "desk: head forward [% of time]" in text


@pytest.mark.parametrize(
    "setup, expect",
    [
        ("missing", "no such file or folder"),
        ("empty_folder", "no neckimu recordings"),
        ("junk", "binary data"),
        ("out_is_file", "is not a folder"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, setup, expect):
    out = tmp_path / "out"
    target = tmp_path / "nope.csv"
    if setup == "empty_folder":
        target = tmp_path / "folder"
        target.mkdir()
        (target / "notes.csv").write_text("a,b\n1,2\n")
    elif setup == "junk":
        target.write_bytes(b"\x00\x01junk")
    elif setup == "out_is_file":
        short_session(22, target)
        out.write_text("x")
    assert main(["report", str(target), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expect in err and "Traceback" not in err
    assert err.startswith("neckimu report: error: ")
    assert not (out / "index.html").exists()


def _summary_items(text: str) -> list[str]:
    ul = re.search(r'<ul class="summary">(.*?)</ul>', text, re.S)
    assert ul, "no summary"
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", ul.group(1), re.S)]


def test_summary_sentences_match_the_reps_of_analyze(report_dir, analyze_reps):
    """The summary on the page against counts made here from ``neckimu analyze --json``."""
    _, text = _parse(report_dir / "index.html")
    items = _summary_items(text)
    week1, week2 = ["b_monday", "c_wednesday"], ["a_next_week", "d_no_created"]
    reps = {stem: analyze_reps[stem] for stem in week1 + week2}
    # the report's "today" is the real date: the sessions' last week is in the past
    assert items[0] == (
        "In the week of 10 March 2025, the latest in this report, you trained "
        "on 2 of 7 days, in 2 training sessions. The goal is every day, 3 to 4 sessions "
        "a day."
    )
    # reps judged: an incomplete one (cut off, data missing) says nothing about the person
    judged = {s: [r for r in reps[s] if "incomplete" not in r["faults"]] for s in reps}
    p1 = sum(r["verdict"] == "pass" for s in week1 for r in judged[s])
    n1 = sum(len(judged[s]) for s in week1)
    p2 = sum(r["verdict"] == "pass" for s in week2 for r in judged[s])
    n2 = sum(len(judged[s]) for s in week2)
    assert items[1].startswith(
        f"Pass rate: {100 * p1 / n1:.0f} % in the first week (3 to 9 March 2025, {p1} of {n1} "
        f"reps), {100 * p2 / n2:.0f} % in the latest (10 to 16 March 2025, {p2} of {n2} reps)"
    )
    faults: dict[tuple[str, str], int] = {}
    for s in week2:
        for r in reps[s]:
            if r["verdict"] == "fail" and r["faults"][0] != "incomplete":
                key = (r["exercise"].split("_")[0], r["faults"][0])
                faults[key] = faults.get(key, 0) + 1
    mistake = next(i for i in items if i.startswith(("Most frequent", "No mistakes")))
    if faults:
        top = max(faults.values())
        kinds = {k for k, n in faults.items() if n == top}
        total = {
            k: sum(r["exercise"].split("_")[0] == k[0] for s in week2 for r in reps[s])
            for k in kinds
        }
        assert any(f"({top} of {total[k]} " in mistake for k in kinds), (mistake, faults)
        assert mistake.startswith("Most frequent mistake in the week of 10 March 2025: ")
        assert "Advice: " in mistake
    else:
        assert mistake == "No mistakes in the week of 10 March 2025."
    left = [r for s in judged for r in judged[s] if r["exercise"] == "hold_left"]
    right = [r for s in judged for r in judged[s] if r["exercise"] == "hold_right"]
    sides = next(i for i in items if i.startswith("Side holds"))
    assert sides.startswith(
        f"Side holds: {sum(r['verdict'] == 'pass' for r in left)} of {len(left)} passed to the left"
    )
    assert (
        f"; {sum(r['verdict'] == 'pass' for r in right)} of {len(right)} passed to the "
        "right" in sides
    )


def test_plain_words_and_print_layout(report_dir):
    _, text = _parse(report_dir / "index.html")
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", text, flags=re.S)
    assert not re.search(
        r"\b1 (reps|sessions|days|weeks|reminders|periods|gaps|holds|"
        r"stretches)\b",
        visible,
    )
    # one name per exercise: no internal names like hold_flexion in what people read
    assert not re.search(r"\b(hold|stretch)_[a-z]+", visible)
    for jargon in ("gravity+nod", "date from created", " gaps ·"):
        assert jargon not in visible
    # technical details folded in each session, explained at the end
    assert text.count('<details class="tech"><summary>Technical details</summary>') == 4
    assert '<section id="details">' in text
    # A4 print: the page size, and each session (and the details) on a new page
    css = re.search(r"@media print\{(.*)\}\s*</style>", text, re.S).group(1)
    assert "size:A4" in css and re.search(r"section\.session[^{]*\{break-before:page", css)
