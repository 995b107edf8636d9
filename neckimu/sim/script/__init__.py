"""The session scripts and the person's mistakes, as keyframes, steps, events and rep plans.

``guided``: initial rest; ``calibrate`` (still, three slow nods starting downward, still); the
four isometric holds (``hold_flexion``, ``hold_extension``, ``hold_left``, ``hold_right``), each
rep its own start/end window; a ``retraction`` set (one window, several reps); one lateral
stretch (``stretch_left`` or ``stretch_right``); final rest.

``stretch``: initial rest, ``calibrate``, then 4-6 lateral stretches alternating between
``stretch_left`` and ``stretch_right``, each its own window, with rests between.

``rom``: initial rest, ``calibrate``, then one ``rom`` window: each direction to the end of the
person's range and back, twice, one movement per cue of the routine (``build_rom``).

The person varies as real people do (``neckimu.sim.ranges``: timing, size and direction of
each movement, fidgets in the rests, reps that start before the head has settled) and makes
mistakes around the pass rules' thresholds (``neckimu.sim.faults``). The script commands
movements only; it does not know the person's sway, and nothing is corrected for it: what
a rep's label says is measured from the resulting head motion (``neckimu.sim.truth``).
Times are physical seconds from the session start; the session converts them to the
recording clock.

Modules: ``plan`` (what a script is told and what it makes), ``builder`` (the primitives),
``exercises`` (each exercise as the person does it), ``routines`` (guided, stretch, posture,
rest), ``rom`` (range of motion), ``scripted`` (hand-built cases).
"""

from neckimu.sim.faults import FAULTS, HOLD_FAULTS, RETRACTION_FAULTS, STRETCH_FAULTS
from neckimu.sim.script.plan import Plan, RepPlan, ScriptConfig
from neckimu.sim.script.rom import build_rom, rom_person
from neckimu.sim.script.routines import build_guided, build_posture, build_rest, build_stretch
from neckimu.sim.script.scripted import build_scripted_retractions, build_scripted_stretches

__all__ = [
    "FAULTS",
    "HOLD_FAULTS",
    "RETRACTION_FAULTS",
    "STRETCH_FAULTS",
    "Plan",
    "RepPlan",
    "ScriptConfig",
    "build_guided",
    "build_posture",
    "build_rest",
    "build_rom",
    "build_scripted_retractions",
    "build_scripted_stretches",
    "build_stretch",
    "rom_person",
]
