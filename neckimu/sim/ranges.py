"""How differently real people do the exercises: the ranges the simulated person draws from.

One frozen dataclass per exercise plus the rests between reps. Every range is ``(low, high)``
and drawn uniformly unless the attribute says otherwise; sources and reasons are in
docs/simulator.md. Faults are not here: they are drawn around the pass rules' own thresholds
(``neckimu.sim.faults``), so a fault sits just inside or just beyond the rule wherever the rule
is moved.

Units: s, mm and deg as the names say (the script converts to SI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Range = tuple[float, float]


@dataclass(frozen=True)
class HoldRanges:
    """Isometric holds (``hold_*``)."""

    rest_s: Range = (3.0, 5.0)  #: relaxed rest before each hold
    reaction_s: Range = (0.2, 0.8)  #: start cue -> pushing (brace)
    #: moved holds: a quick jerk lasts this long (s) ...
    jerk_s: Range = (0.15, 0.6)
    #: ... a slow drift this long (s, at most what is left of the hold)
    drift_s: Range = (2.0, 8.0)
    #: share of jerks after which the head comes partly back
    jerk_back_share: float = 0.4


@dataclass(frozen=True)
class RetractionRanges:
    """Cervical retraction reps (``retraction``)."""

    first_onset_s: Range = (1.0, 3.0)  #: start cue -> first glide
    glide_s: Range = (0.6, 2.0)  #: glide out
    kept_s: Range = (0.3, 5.0)  #: kept position (log-uniform: short keeps are common)
    return_s: Range = (0.6, 2.0)  #: return
    rest_s: Range = (0.5, 4.0)  #: from the end of one return to the next glide (log-uniform)
    end_cue_s: Range = (1.0, 3.0)  #: last return -> end cue
    glide_mm: Range = (8.0, 35.0)  #: head-centre glide of a rep meant to be correct
    path_deg: Range = (-10.0, 50.0)  #: its direction above the posterior horizontal
    tuck_deg: Range = (0.0, 10.0)  #: chin-tuck (upper-cervical) flexion with the glide
    off_axis_sd_deg: float = 1.0  #: lateral flexion and rotation of a correct rep (sd)
    #: share of reps whose return leaves a small remainder that settles slowly, so the next
    #: rep may start before the head has quite settled
    unsettled_share: float = 0.3
    settle_fraction: Range = (0.05, 0.2)  #: that remainder, share of the excursion
    settle_s: Range = (0.8, 2.5)  #: how long it takes to settle
    #: the chin tuck and the glide are two motions, timed by the person: retraction couples
    #: upper-cervical flexion with lower-cervical extension (Ordway et al. 1999), and the turn
    #: may lead or lag the glide by this much (s) and last this share of it
    turn_lag_s: Range = (-0.3, 0.3)
    turn_share: Range = (0.5, 1.0)


@dataclass(frozen=True)
class StretchRanges:
    """Static lateral-flexion stretches (``stretch_left``, ``stretch_right``)."""

    reps: tuple[int, int] = (4, 6)  #: stretches in the stretch routine (alternating sides)
    first_rest_s: Range = (2.0, 4.0)  #: calibration -> first start cue
    rest_s: Range = (6.0, 15.0)  #: end cue -> next start cue
    reaction_s: Range = (0.4, 1.5)  #: start cue -> moving
    move_s: Range = (1.5, 3.5)  #: moving into the stretch, and back
    reached_deg: Range = (18.0, 40.0)  #: lateral flexion of a correct stretch
    flexion_deg: Range = (-3.0, 5.0)  #: flexion that comes with it
    rotation_deg: Range = (-4.0, 4.0)  #: rotation that comes with it (coupled motion)
    hold_fraction: Range = (0.97, 1.15)  #: held time of a correct stretch / prescribed
    creep_deg: Range = (0.2, 1.0)  #: slow creep of the angle during the hold
    end_cue_s: Range = (0.5, 3.0)  #: back in neutral -> end cue
    bounce_hz: Range = (0.3, 1.0)  #: an unsteady stretch bounces at this frequency


@dataclass(frozen=True)
class RomRanges:
    """Active range of motion (``rom``): each direction to its comfortable end and back.

    A person's range is drawn once per session: a healthy range, smaller with neck pain, and
    different left and right; each movement then reaches a share of it. Sources in
    docs/simulator.md.
    """

    flexion_deg: Range = (45.0, 65.0)  #: healthy active flexion
    extension_deg: Range = (50.0, 75.0)  #: healthy active extension
    lateral_deg: Range = (35.0, 48.0)  #: healthy active lateral flexion, per side
    rotation_deg: Range = (62.0, 85.0)  #: healthy active rotation, per side
    neck_pain_share: float = 0.4  #: share of people with neck pain (and less range) ...
    neck_pain_loss_deg: Range = (5.0, 20.0)  #: ... who lose this much per direction
    #: left/right difference (share of the mean of both sides) without and with neck pain
    asymmetry: Range = (0.0, 0.08)
    neck_pain_asymmetry: Range = (0.0, 0.25)
    reach_fraction: Range = (0.88, 1.0)  #: share of the range each movement reaches
    reaction_s: Range = (0.3, 1.2)  #: movement cue -> moving
    move_s: Range = (1.5, 3.0)  #: to the end, and back (each)
    end_pause_s: Range = (0.3, 1.5)  #: at the end of the range
    lower_share: Range = (0.6, 0.8)  #: share of flexion/extension in the lower neck (pivot C7)
    #: coupled motion: a tilt turns the head the same way (share of the tilt) ...
    tilt_turn: Range = (0.0, 0.25)
    #: ... a turn tilts it the same way (share of the turn)
    turn_tilt: Range = (0.0, 0.12)
    coupled_flexion_deg: Range = (-5.0, 3.0)  #: flexion (+) or extension with a tilt or turn
    rest_offset_sd_deg: float = 1.0  #: back "in neutral" is this close to it (sd, per axis)


@dataclass(frozen=True)
class FidgetRanges:
    """Small movements in the rests that are not reps: out and back (a glance, an itch)."""

    share: float = 0.3  #: chance of a fidget in a rest long enough for one
    angle_deg: Range = (1.0, 4.0)  #: rotation of the head, random axis (mostly turn/tilt)
    glide_mm: Range = (0.0, 1.5)  #: head-centre shift besides what the rotation causes
    move_s: Range = (0.3, 0.8)  #: out, and back
    pause_s: Range = (0.0, 0.5)  #: between out and back
    min_window_s: float = 1.2  #: still time (s) a rest needs before it has room for a fidget


@dataclass(frozen=True)
class Ranges:
    """The population the simulated people come from (all exercises)."""

    hold: HoldRanges = field(default_factory=HoldRanges)
    retraction: RetractionRanges = field(default_factory=RetractionRanges)
    stretch: StretchRanges = field(default_factory=StretchRanges)
    rom: RomRanges = field(default_factory=RomRanges)
    fidget: FidgetRanges = field(default_factory=FidgetRanges)


#: The default population.
RANGES = Ranges()
