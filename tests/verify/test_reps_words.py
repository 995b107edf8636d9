"""Verdict words: a rep's further faults are said in words, not internal fault names."""

from neckimu.verify.reps import ALSO_WORDS, RetractionRep


def test_further_faults_are_words():
    r = RetractionRep(
        exercise="retraction",
        index=1,
        of=8,
        start_s=0.0,
        end_s=1.0,
        faults=("protraction", "downward", "too_small"),
        posterior_mm=-8.0,
        superior_mm=-6.0,
        flexion_deg=0.0,
    )
    msg = r.message()
    assert msg.endswith("; also the head dropped, too short a glide")
    assert "_" not in msg and "downward" not in msg
    from neckimu.sim.faults import RETRACTION_FAULTS

    assert {*RETRACTION_FAULTS, "trunk_lean"} <= set(ALSO_WORDS)
