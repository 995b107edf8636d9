"""Retraction verifier: hand-built reps on both sides of every threshold, and rates over seeds.

Truth is what the simulated head did (``neckimu.sim.truth``: the pass rule applied to the true
motion), never what the script meant to do.
"""

import numpy as np
import pytest

from neckimu.pipeline import analyze
from neckimu.recording.reader import Recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.script import build_scripted_retractions
from neckimu.verify.retraction import RetractionCriteria, classify

CRIT = RetractionCriteria()

#: Reps just inside and just outside each threshold (margins above the measurement error).
HANDBUILT = [
    {"posterior_mm": 16, "superior_mm": 5, "flexion_deg": 4},  # pass
    {"posterior_mm": CRIT.min_glide_mm - 4.5, "superior_mm": 2, "flexion_deg": 2},  # too small
    {"posterior_mm": CRIT.min_glide_mm + 4.5, "superior_mm": 3, "flexion_deg": 2},  # pass
    {"posterior_mm": 15, "superior_mm": 5, "flexion_deg": -CRIT.extension_deg - 3},  # ext.
    {"posterior_mm": 15, "superior_mm": 5, "flexion_deg": -CRIT.extension_deg + 2.5},  # pass
    {"posterior_mm": -CRIT.protraction_mm - 6, "superior_mm": 1},  # protraction
    {"posterior_mm": 15, "superior_mm": -CRIT.downward_mm - 4.5, "flexion_deg": 3},  # down
    {"posterior_mm": 15, "superior_mm": -CRIT.downward_mm + 4.5, "flexion_deg": 3},  # pass
    {"posterior_mm": 0, "flexion_deg": CRIT.nod_flexion_deg + 4},  # nod only
    {"posterior_mm": 17, "superior_mm": 4, "flexion_deg": CRIT.nod_flexion_deg - 2.5},  # pass
    {"posterior_mm": 17, "superior_mm": 4, "flexion_deg": CRIT.nod_flexion_deg + 4},  # nod
    {"posterior_mm": 15, "superior_mm": 4, "lateral_deg": CRIT.lateral_deg + 3},  # lateral
    {"posterior_mm": 15, "superior_mm": 4, "lateral_deg": CRIT.lateral_deg - 2.5},  # pass
    {"posterior_mm": 15, "superior_mm": 4, "rotation_deg": -CRIT.lateral_deg - 3},  # lateral
]


def _analyse(sim) -> tuple[list[dict], list[dict]]:
    rec = Recording(sim.samples, sim.events, [], dict(sim.meta), "sim")
    found = [r.to_json() for r in analyze(rec).reps if r.exercise == "retraction"]
    truth = [r for r in sim.truth["reps"] if r["exercise"] == "retraction"]
    return truth, found


def _match(truth: list[dict], found: list[dict]) -> list[tuple[dict, dict | None]]:
    """Each true rep with the found rep overlapping it most (None: missed)."""
    out = []
    for t in truth:
        over = [(min(t["end_s"], f["end_s"]) - max(t["start_s"], f["start_s"]), f) for f in found]
        best = max(over, key=lambda o: o[0], default=(0.0, None))
        out.append((t, best[1] if best[0] > 0.5 * (t["end_s"] - t["start_s"]) else None))
    return out


def test_handbuilt_reps_on_both_sides_of_each_threshold():
    """Each threshold with a rep just inside and one just outside, on three people.

    Rates, not each rep: near a threshold the measurement's own error (a few mm; docs/
    verification.md) decides some. Also every rep is found and the clear ones are right.
    """
    cases = [("forehead", "rev1", 101), ("back_of_head", "rev2", 102), ("top_of_head", "rev2", 103)]
    found_n = right = total = 0
    wrong = []
    for mount, board, seed in cases:
        sim = simulate_session(
            SessionConfig(seed=seed, mount=mount, board=board),
            plan=build_scripted_retractions(HANDBUILT),
        )
        truth, found = _analyse(sim)
        # the hand-built reps are what they claim to be, judged on the true motion
        expected = [
            classify(
                r.get("posterior_mm", 0),
                r.get("superior_mm", 0),
                [r.get("flexion_deg", 0), r.get("lateral_deg", 0), r.get("rotation_deg", 0)],
            )
            for r in HANDBUILT
        ]
        assert [t["faults"] for t in truth] == expected
        for t, f in _match(truth, found):
            total += 1
            if f is None:
                wrong.append(f"{mount} rep {t['rep']} {t['faults']}: not found")
                continue
            found_n += 1
            if f["faults"][:1] == t["faults"][:1]:
                right += 1
            else:
                wrong.append(
                    f"{mount} rep {t['rep']} {t['faults']} {t['displacement_mm']}: {f['message']}"
                )
    report = f"found {found_n}/{total}, right {right}/{total}\n" + "\n".join(wrong)
    print(report)
    # measured when written: 37/39 found, 30/39 right (issue 10 asks for 95 %: not reached,
    # see docs/verification.md); these floors catch a regression
    assert found_n / total >= 0.80, report
    assert right / total >= 0.60, report


def test_messages_and_schema():
    sim = simulate_session(SessionConfig(seed=104), plan=build_scripted_retractions(HANDBUILT[:4]))
    _, found = _analyse(sim)
    for r in found:
        for key in (
            "exercise",
            "index",
            "of",
            "start_s",
            "end_s",
            "verdict",
            "faults",
            "max_deviation_deg",
            "displacement_mm",
            "path_angle_deg",
            "message",
            "flexion_change_deg",
            "lateral_change_deg",
            "rotation_change_deg",
            "kept_s",
            "path_mm",
        ):
            assert key in r
        assert r["of"] == len(found)
        assert r["message"].startswith(f"retraction {r['index']}: {r['verdict']}")
        # the drawn path passes through the judged displacement at the kept position
        p = r["path_mm"]
        t = np.asarray(p["t_s"])
        kept = (t >= r["kept_s"][0]) & (t <= r["kept_s"][1])
        assert np.mean(np.asarray(p["posterior"])[kept]) == pytest.approx(
            r["displacement_mm"]["posterior"], abs=1.0
        )
    tipped = [r for r in found if "extension" in r["faults"]]
    assert tipped and "tipped back" in tipped[0]["message"]
    assert "keep the chin tucked" in tipped[0]["message"]


def test_classify_rules_at_the_thresholds():
    ok = np.array([5.0, 0.5, -0.5])
    assert classify(20, 8, ok) == []
    assert classify(CRIT.min_glide_mm + 0.1, 3, ok) == []
    assert classify(CRIT.min_glide_mm - 0.1, 3, ok) == ["too_small"]
    assert classify(20, 8, np.array([-CRIT.extension_deg - 0.1, 0, 0])) == ["extension"]
    assert classify(20, 8, np.array([-CRIT.extension_deg + 0.1, 0, 0])) == []
    assert classify(-CRIT.protraction_mm - 0.1, 2, ok)[0] == "protraction"
    assert classify(20, -CRIT.downward_mm - 0.1, ok) == ["downward"]
    assert classify(20, -CRIT.downward_mm + 0.1, ok) == []
    assert classify(2, 1, np.array([CRIT.nod_flexion_deg + 0.1, 0, 0])) == ["nod_only"]
    assert classify(20, 1, np.array([CRIT.nod_flexion_deg + 0.1, 0, 0])) == ["nod_only"]
    assert classify(20, 1, np.array([CRIT.nod_flexion_deg - 0.1, 0, 0])) == []
    assert classify(2, 1, np.array([CRIT.nod_flexion_deg - 0.1, 0, 0])) == ["too_small"]
    assert classify(20, 9, np.array([3.0, CRIT.lateral_deg + 0.1, 0])) == ["lateral"]
    assert classify(20, 9, np.array([3.0, 0, -CRIT.lateral_deg - 0.1])) == ["lateral"]
    assert classify(20, 9, np.array([3.0, CRIT.lateral_deg - 0.1, 0])) == []


#: Own simulated sessions over the widened ranges (seeds the bench does not use).
SEEDS = range(300, 316)


def test_rates_over_many_simulated_people():
    """Recall, verdicts and displacement error over 16 people, every mount and board."""
    truth_n = found_n = correct = backwards = 0
    err = []
    for seed in SEEDS:
        mount = ("forehead", "back_of_head", "top_of_head")[seed % 3]
        board = ("rev1", "rev2")[seed % 2]
        sim = simulate_session(
            SessionConfig(
                seed=seed, mount=mount, board=board, hold_reps=0, retraction_reps=8, fault_rate=0.35
            )
        )
        truth, found = _analyse(sim)
        for t, f in _match(truth, found):
            truth_n += 1
            if f is None:
                continue
            found_n += 1
            correct += f["verdict"] == t["verdict"]
            # the drawn path runs forward in time (a movement measured between its own edges
            # reaches into the next one's: the overlap is drawn once)
            backwards += int(np.any(np.diff(f["path_mm"]["t_s"]) <= 0))
            err.append(
                [
                    f["displacement_mm"]["posterior"] - t["displacement_mm"]["posterior"],
                    f["displacement_mm"]["superior"] - t["displacement_mm"]["superior"],
                ]
            )
    mae = np.abs(np.array(err)).mean(axis=0)
    assert found_n / truth_n >= 0.80, f"recall {found_n}/{truth_n}"
    assert correct / truth_n >= 0.60, f"verdicts {correct}/{truth_n}"
    assert mae[0] <= 8.0 and mae[1] <= 8.0, f"displacement MAE {mae} mm"
    assert backwards == 0, f"{backwards} paths of {found_n} go back in time"


def test_a_small_excursion_before_a_rep_is_not_part_of_it():
    """A too-small attempt that comes back (below the fidget sizes: the rep finder does not
    count it) a second before a real rep: the rep starts at the rest after the small one,
    not at the rest before it (which merged the two and mismeasured the real one). Rates
    over three people, three such pairs each."""
    tiny = {"posterior_mm": 1.0, "superior_mm": 0.5, "flexion_deg": 1.0}
    real = {"posterior_mm": 18.0, "superior_mm": 5.0, "flexion_deg": 3.0}
    plan_reps = [tiny, real] * 3
    cases = [("forehead", "rev1", 111), ("back_of_head", "rev2", 112), ("top_of_head", "rev2", 113)]
    good, lines = 0, []
    for mount, board, seed in cases:
        sim = simulate_session(
            SessionConfig(seed=seed, mount=mount, board=board),
            plan=build_scripted_retractions(plan_reps, rest_s=1.0),
        )
        truth, found = _analyse(sim)
        for t in truth[1::2]:  # the real reps
            starts = [
                f["start_s"]
                for f in found
                if min(t["end_s"], f["end_s"]) - max(t["start_s"], f["start_s"]) > 0
            ]
            ok = any(abs(s - t["start_s"]) < 0.6 for s in starts)
            good += ok
            lines.append(f"{mount} rep {t['rep']} at {t['start_s']:.1f} s: found from {starts}")
    report = "\n".join(lines)
    assert good >= 8, report


def test_a_movement_broken_by_a_gap_is_measured_by_the_other():
    """Glide and return measure the same excursion; when packets drop inside one of them
    (longer than ``max_move_gap_s``, a reconnection) the other stands for both, and with both
    broken the rep is incomplete."""
    from types import SimpleNamespace

    from neckimu.verify.retraction import RepFinding, _excursion, _Found, _Station

    ts = 0.01
    t = np.arange(0.0, 6.0, ts)
    fd = _Found(
        rest=_Station(0, 100),  # glide 1-2 s, kept 2-3 s, return 3-4 s
        kept=_Station(200, 300),
        back=_Station(400, 600),
        glide_mm=np.array([-20.0, 0.0, 6.0]),
        return_mm=np.array([16.0, 0.0, -4.0]),
        d_ang=np.zeros(3),
    )

    def judged(drop: tuple[float, float] = (0, 0), drop2: tuple[float, float] = (0, 0)):
        keep = ~(((t > drop[0]) & (t < drop[1])) | ((t > drop2[0]) & (t < drop2[1])))
        kept_t = t[keep]  # the stations keep their samples: the gaps lie inside the movements
        idx = {k: int(np.searchsorted(kept_t, t[k])) for k in (100, 200, 300, 400)}
        f = _Found(
            rest=_Station(0, idx[100]),
            kept=_Station(idx[200], idx[300]),
            back=_Station(idx[400], len(kept_t)),
            glide_mm=fd.glide_mm,
            return_mm=fd.return_mm,
            d_ang=fd.d_ang,
        )
        return _excursion(SimpleNamespace(t=kept_t, finding=RepFinding()), f)[:3]

    d, note, missing = judged()
    np.testing.assert_allclose(d, [-18.0, 0.0, 5.0])  # the average
    assert note is None and missing is None
    d, note, missing = judged((1.3, 1.65))  # 0.35 s lost in the glide
    np.testing.assert_allclose(d, [-16.0, 0.0, 4.0])  # the return alone
    assert "glide" in note and missing is None
    d, note, missing = judged((3.3, 3.65))  # .. in the return
    np.testing.assert_allclose(d, [-20.0, 0.0, 6.0])
    assert "return" in note
    d, note, missing = judged((1.4, 1.5), (3.4, 3.5))  # 0.1 s in both: bridged, averaged
    np.testing.assert_allclose(d, [-18.0, 0.0, 5.0])
    d, note, missing = judged((1.2, 1.6), (3.2, 3.6))  # long gaps in both: incomplete
    assert missing is not None and "missing" in missing


def test_each_movement_is_measured_between_its_own_edges(monkeypatch):
    """The noise floor places a movement's edges fractions of a second out in the still
    phases; measured between the movement's own edges (found from its speed) the same reps
    are measured closer to the truth. Paired over the same reps: the finding is the floor's
    in both (the start of every rep the same), only the measurement differs."""
    from dataclasses import replace

    from neckimu.verify import retraction

    def run(finding) -> tuple[list[float], list[list[float]]]:
        monkeypatch.setitem(retraction.verify_retraction_set.__kwdefaults__, "finding", finding)
        starts, err = [], []
        for seed in range(300, 308):
            mount = ("forehead", "back_of_head", "top_of_head")[seed % 3]
            sim = simulate_session(
                SessionConfig(
                    seed=seed,
                    mount=mount,
                    board=("rev1", "rev2")[seed % 2],
                    hold_reps=0,
                    retraction_reps=8,
                    fault_rate=0.35,
                )
            )
            truth, found = _analyse(sim)
            starts += [f["start_s"] for f in found]
            for t, f in _match(truth, found):
                if f is not None and f["displacement_mm"] is not None:
                    err.append(
                        [
                            f["displacement_mm"][k] - t["displacement_mm"][k]
                            for k in ("posterior", "superior")
                        ]
                    )
        return starts, err

    starts_own, err_own = run(retraction.RepFinding())
    starts_floor, err_floor = run(replace(retraction.RepFinding(), motion_frac=0.0))
    assert starts_own == starts_floor
    mae_own = np.abs(err_own).mean(axis=0)
    mae_floor = np.abs(err_floor).mean(axis=0)
    print(
        f"MAE posterior, superior: own edges {mae_own}, floor's {mae_floor} ({len(err_own)} reps)"
    )
    assert mae_own.sum() < mae_floor.sum(), (mae_own, mae_floor)


def test_a_glide_with_a_pause_in_it_is_one_rep():
    """Glide half-way, stop for a second, glide on, keep, return: one rep, judged as the whole
    glide (a fresh-eyed tester's case: a rule that took any station within the integration's
    error scale as back at the rest split these reps at the pause and added protraction
    reps — on these nine people 68 reps found for 54, 41 one-to-one; 56 and 50 with the rule
    reverted). Rates over nine people, six reps of 14-30 mm each."""
    sizes = (14, 18, 22, 26, 30, 20)
    reps = [{"posterior_mm": p, "superior_mm": 3.0, "flexion_deg": 2.0} for p in sizes]
    mounts = [("forehead", "rev1"), ("back_of_head", "rev2"), ("top_of_head", "rev2")]
    cases = [(*mounts[k % 3], 131 + k) for k in range(9)]
    n_true = n_found = one = right = 0
    lines = []
    for mount, board, seed in cases:
        sim = simulate_session(
            SessionConfig(seed=seed, mount=mount, board=board),
            plan=build_scripted_retractions(reps, glide_s=1.6, pause_s=1.0, rest_s=3.0),
        )
        truth, found = _analyse(sim)
        matched = _match(truth, found)
        n_true, n_found = n_true + len(truth), n_found + len(found)
        for t, f in matched:
            alone = f is not None and sum(f2 is f for _, f2 in matched) == 1
            one += alone
            right += alone and f["verdict"] == t["verdict"]
        spans = " ".join(f"[{f['start_s']:.0f}-{f['end_s']:.0f}]" for f in found)
        lines.append(f"{mount}: {spans}")
    report = "\n".join(lines)
    assert n_found <= 1.1 * n_true, report  # reps not split in two
    assert one >= 0.85 * n_true and right >= 0.8 * n_true, (one, right, report)


class _Poses:
    """A stand-in for the rep finder's view of a set: stations with hand-built head-centre
    poses (mm, level frame: forward, left, up) and the head not turning."""

    def __init__(self, poses_mm: list[tuple[float, float]]) -> None:
        from neckimu.verify.retraction import RepFinding, _Station

        self.finding = RepFinding()
        self.ts = 0.01
        self.carry = None
        self._stations = [_Station(100 * k, 100 * k + 50) for k in range(len(poses_mm))]
        self.t = np.arange(100 * len(poses_mm)) * self.ts
        self._poses = np.array([[x, 0.0, z] for x, z in poses_mm])

    def stations(self):
        return list(self._stations)

    def track(self, stations, measured=False):
        from neckimu.verify.retraction import _Track

        return _Track(self._poses, np.zeros(0), np.zeros((0, 3)), np.zeros(len(stations)))

    def carried(self, stations, first_s=None):
        return None

    def head(self, st, *, last_s=None, first_s=None):
        return np.eye(3)


def _found(poses_mm: list[tuple[float, float]], monkeypatch) -> list[tuple[int, int, int]]:
    """(rest, kept, back) station numbers of the reps found among hand-built poses."""
    from neckimu.verify import retraction

    monkeypatch.setattr(retraction, "_split_virtual", lambda view, stations: stations)
    view = _Poses(poses_mm)
    found, stations = retraction.find_reps(view, CRIT)  # type: ignore[arg-type]
    at = {id(st): k for k, st in enumerate(stations)}
    return [(at[id(f.rest)], at[id(f.kept)], at[id(f.back)]) for f in found]


def test_a_whole_rep_inside_a_glide_makes_two_reps_not_one(monkeypatch):
    """From the rest (0) no station comes back until 5, but stations 1-3 are a rep of their
    own (out 12 mm, back within half of it) before the kept position 4: two reps, not one
    from 0 to 5 (the finder that took the first return it saw from each rest merged them)."""
    poses = [(0, 0), (-2, 25), (-14, 25), (-8, 30), (-35, 30), (-2, 4)]
    assert _found(poses, monkeypatch) == [(1, 2, 3), (3, 4, 5)]
    # station 3 neither back at station 1 nor on the way back (out 12, then on to 15 mm
    # from it): no rep inside; the rep from 0 to 5 stopped at three stations on the way,
    # so it starts at the last one it is a rep from, and the one before ends there (the
    # next test)
    poses[3] = (-16, 31)
    assert _found(poses, monkeypatch) == [(0, 2, 3), (3, 4, 5)]


def test_a_rep_starts_at_the_last_rest_it_is_a_rep_from(monkeypatch):
    """The head stopped at stations 1 and 2 on its way from the rest (0) to the kept position
    (3); the rep is also one from station 2 (3 comes back to it): stations 0-2 were another
    rep whose return the integration misread, so this one starts at 2, and the one before
    ends there (its displacement not asked to come back: station 2 is a rest). A glide with
    one stop on the way (station 1 only) keeps its rest."""
    poses = [(0, 0), (-8, 0), (-10, -12), (-30, -10), (-3, -12)]
    assert _found(poses, monkeypatch) == [(0, 1, 2), (2, 3, 4)]
    # station 1 a fidget (2 mm) at the rest: the rep starts there, and with one stop on
    # its way it keeps that rest
    poses[1] = (-2, 0)
    assert _found(poses, monkeypatch) == [(1, 3, 4)]
    assert _found([(0, 0), (-8, 0), (-30, -2), (-3, -1)], monkeypatch) == [(0, 2, 3)]


@pytest.mark.parametrize(
    ("out_mm", "back_mm", "turns"), [(6.5, 6.5, True), (5.5, 9.0, False), (9.0, 5.5, False)]
)
def test_a_trunk_that_turned_back_inside_a_movement_splits_it(out_mm, back_mm, turns):
    """With a trunk board a movement is split where the trunk's carry turned back, if it went
    ``carry_split_mm`` (6 mm) out and came as far back; a lean reversed at once."""
    from neckimu.verify.retraction import RepFinding, _carry_turn

    x = np.concatenate(
        [np.linspace(0, -out_mm, 60), np.linspace(-out_mm, back_mm - out_mm, 60)[1:]]
    )
    carry = np.column_stack([x, np.zeros_like(x), np.zeros_like(x)])
    k = _carry_turn(carry, RepFinding().carry_split_mm)
    assert (k == 59) if turns else (k is None)
