"""Rep messages for people (neckimu/verify/reps.py, the one place they are formatted)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from neckimu.verify.reps import HoldRep, RetractionRep


def _retraction(post_mm, sup_mm, angles_deg, faults=()) -> RetractionRep:
    """Retraction rep 3 of 8 with these displacements (mm), angle changes (flexion, lateral
    flexion, rotation, deg) and faults."""
    flex, lat, rot = (float(a) for a in angles_deg)
    return RetractionRep(
        exercise="retraction",
        index=3,
        of=8,
        start_s=0.0,
        end_s=5.0,
        posterior_mm=post_mm,
        superior_mm=sup_mm,
        flexion_deg=flex,
        lateral_deg=lat,
        rotation_deg=rot,
        faults=faults,
    )


@pytest.mark.parametrize("seed", range(20))
def test_no_negative_zero_in_any_message(seed):
    """``retraction 3: pass, glided 39 mm back and -0 mm up (-0 deg)``: a value that rounds
    to zero is printed without a sign, for any small value on either side of zero."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(-0.049, 0.049, 8)
    reps = [
        _retraction(39.0, float(small[0]), small[1:4], faults)
        for faults in [(), ("extension",), ("downward",), ("lateral",), ("nod_only",)]
    ]
    reps.append(
        HoldRep(
            exercise="hold_flexion",
            index=1,
            of=3,
            start_s=0.0,
            end_s=10.0,
            max_deviation_deg=float(small[4]) / 10,
            faults=(),
        )
    )
    for rep in reps:
        assert not re.search(r"-0(\.0+)?\b(?!\.\d*[1-9])", rep.message()), rep.message()
    assert "glided 39 mm back and 0 mm up (path 0 deg above level)" in reps[0].message()


def test_a_rep_cut_off_at_the_end_does_not_read_one_of_one():
    """``hold backward 1/1: fail, incomplete`` from a session stopped in its first backward
    hold of three: ``of`` counts the holds recorded, so a cut-off last rep has no ``/of``."""
    cut = HoldRep(
        exercise="hold_extension",
        index=1,
        of=1,
        start_s=30.0,
        end_s=36.0,
        faults=("incomplete",),
        incomplete="it has no end cue",
    )
    assert cut.message().startswith("hold backward 1: ")
    judged = HoldRep(exercise="hold_extension", index=1, of=3, start_s=0, end_s=7, faults=())
    assert judged.message().startswith("hold backward 1/3: ")


@pytest.mark.parametrize(
    ("sup", "words"), [(-3.2, "3 mm down"), (2.6, "3 mm up"), (-0.4, "0 mm up")]
)
def test_a_passed_glide_that_went_down_says_down(sup, words):
    """``glided 12 mm back and -3 mm up`` read as a typo: a passed glide a little below the
    horizontal (within the ``downward`` tolerance) says "down"."""
    rep = _retraction(12.0, sup, (2.0, 0.0, 0.0))
    assert f"glided 12 mm back and {words} (" in rep.message()


@pytest.mark.parametrize(
    ("post_mm", "text"),
    [
        (6.0, "glided only 6.0 mm (aim for 1-3 cm)"),
        (0.04, "did not glide back (aim for 1-3 cm)"),
        (-0.04, "did not glide back (aim for 1-3 cm)"),
        (-3.4, "did not glide back (moved 3.4 mm forward; aim for 1-3 cm)"),
    ],
)
def test_too_small_says_which_way_the_head_went(post_mm, text):
    """``glided only 0.0 mm`` was printed for a head that moved 3.4 mm forward (the posterior
    clamped to zero): a rep that went forward, but less than a protraction, says so."""
    rep = _retraction(post_mm, 1.0, (2.0, 0.0, 0.0), ("too_small",))
    assert rep.message().endswith(text), rep.message()


def test_the_neck_glide_of_a_trunk_lean_has_no_negative_zero():
    """``the neck glided -0 mm`` (a tester's two-sensor session)."""
    from dataclasses import fields

    from neckimu.verify.trunk_lean import TrunkRetractionRep

    base = _retraction(-0.3, 1.0, (1.0, 0.0, 0.0), ("trunk_lean",))
    rep = TrunkRetractionRep(
        **{f.name: getattr(base, f.name) for f in fields(base)}, trunk_posterior_mm=12.0
    )
    assert "the neck glided 0 mm" in rep.message(), rep.message()


@pytest.mark.parametrize(
    ("post", "text"),
    [(6.4, "the neck glided 6 mm"), (-10.2, "the neck moved it 10 mm forward")],
)
def test_the_neck_part_of_a_trunk_lean_says_which_way(post, text):
    """``the neck glided -10 mm`` (a tester's two-sensor session) says forward instead."""
    from dataclasses import fields

    from neckimu.verify.trunk_lean import TrunkRetractionRep

    base = _retraction(post, 1.0, (1.0, 0.0, 0.0), ("trunk_lean",))
    rep = TrunkRetractionRep(
        **{f.name: getattr(base, f.name) for f in fields(base)}, trunk_posterior_mm=12.0
    )
    assert f"({text})" in rep.message(), rep.message()


@pytest.mark.parametrize("post", [14.2, 0.3, -3.0])
def test_a_nod_gives_its_angle_to_a_tenth_and_no_glide(post):
    """A nod is flexion beyond a chin tuck, glide or not; the glide of a nodding head depends
    on the point it is measured at, so the message gives none (a tester saw "nodded 17 deg and
    glided 14 mm" for a head that did not glide), and 12.4 deg must not read as the 12 the rule
    allows."""
    rep = _retraction(post, 2.0, (12.4, 0.5, 0.2), ("nod_only",))
    msg = rep.message()
    assert "nodded 12.4 deg" in msg and "mm" not in msg, msg


def test_path_angle_says_which_way_from_level():
    """The path angle in a passing rep's words names its reference: above or below level."""
    up = _retraction(20.0, 5.0, np.zeros(3), ()).message()
    down = _retraction(20.0, -3.0, np.zeros(3), ()).message()
    assert "glided 20 mm back and 5 mm up (path 14 deg above level)" in up
    assert "glided 20 mm back and 3 mm down (path 9 deg below level)" in down


def test_further_faults_are_words():
    """A rep's further faults are said in words, not fault names (a tester read "also
    protraction, downward"); every retraction fault has its words."""
    from neckimu.sim.faults import RETRACTION_FAULTS
    from neckimu.verify.reps import ALSO_WORDS

    msg = _retraction(-8.0, -6.0, (0, 0, 0), ("protraction", "downward", "too_small")).message()
    assert msg.endswith("; also the head dropped, too short a glide"), msg
    assert "_" not in msg and "downward" not in msg
    assert {*RETRACTION_FAULTS, "trunk_lean"} <= set(ALSO_WORDS)
