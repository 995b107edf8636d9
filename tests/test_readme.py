"""The README's example output is real output of the current code (issue 10)."""

import re
from pathlib import Path

from neckimu.pipeline import analyze
from neckimu.recording.reader import read_recording
from neckimu.results import summary_lines

ROOT = Path(__file__).resolve().parents[1]


def test_readme_example_lines_are_what_analyze_prints():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"```\n\$ neckimu analyze (\S+)\n(.*?)```", text, re.S)
    assert m, "README has no `$ neckimu analyze FILE` example"
    shown = [line for line in m.group(2).splitlines() if line.strip()]
    printed = summary_lines(analyze(read_recording(ROOT / m.group(1))))
    missing = [line for line in shown if line not in printed]
    assert not missing, "README lines not printed by analyze:\n" + "\n".join(missing)
