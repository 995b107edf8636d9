"""A second board on the upper back: trunk orientation, neck angles relative to the trunk, and
the neck's own displacement (issue 15).

Frames. The *trunk frame* is fixed to the thorax; in the neutral sitting pose of the
calibration it is the neutral head frame (x forward, y left, z up): at neutral the neck is
neutral by definition. Each board's 6D orientation has its own arbitrary heading, and each
drifts about the vertical on its own (tens of deg/h), so the two earth frames are tied together
by the boards' **common rotation**: whenever the trunk turns (a lean, a change of posture)
with the neck still, both boards turn about one axis at one rate, and the angle between the
horizontal parts of their angular velocities is the heading of one earth frame in the other
(:func:`heading_link`). With the link, the trunk board's rotation to the trunk frame follows
from the head's neutral pose (:func:`linked_calibration`); without one (a trunk that never
turned), its vertical comes from gravity in the neutral pose and its heading from the trunk
mount preset (``neckimu/mounts.toml``, ``[trunk.*]``), as a strap or a collar clip holds the
board square to the back (:func:`calibrate_trunk`).

- **Neck angles**: the head's rotation relative to the trunk (``neckimu.angles`` convention:
  flexion, lateral flexion, rotation), ``R_TH = R_ET⁻¹ · R_EH`` with both in the head's earth
  frame.
- **Trunk inclination**: the trunk's forward lean from its neutral sitting pose, deg
  (+ forward), and its sideways lean (+ right).
- **The neck's own displacement** (:func:`neck_displacement`): the head centre relative to the
  trunk-fixed point where it was at the rest, from the two boards' gravity-free accelerations
  in one level frame, integrated over one movement. The trunk's sway and breathing move both
  points alike, so their *relative* velocity is zero whenever the neck is still, whatever the
  trunk does: the zero-velocity condition of the integration holds for the neck, where it does
  not for the head in the room.
- **The trunk's part** (:meth:`TrunkContext.lean_displacement`, used by
  ``neckimu.verify.trunk_lean.trunk_part``): how far the trunk carried that point, from the
  trunk board's turn about the hips with its breathing taken out (:mod:`.breathing`).

Errors: each board's 6D heading drifts on its own (the head's by degrees, the trunk's little);
between the link's measurements the drift is followed while the neck is still
(:mod:`.drift`); the neck's yaw is still the least accurate angle. Each board's 6D estimate
is levelled by its own biased gravity (LSM9DS1: up to 90 mg per axis), a tilt error that
changes when the board leans, differently on the two boards: a common trunk lean reads as
the neck moving by a few degrees. A hold is therefore judged on both boards filtered again
without their accelerometer biases, measured from gravity turned by each gyroscope over the
half minute before the hold and the hold so far (:mod:`.acc_bias`, :func:`hold_neck`).
"""

from neckimu.trunk.calibration import TrunkCalibration, calibrate_trunk, trunk_data_problem
from neckimu.trunk.displacement import (
    FILTER_MARGIN_S,
    HIP_TO_HEAD_M,
    NeckDisplacement,
    TrunkContext,
    neck_displacement,
    trunk_context,
    zupt_between,
)
from neckimu.trunk.link import (
    LINK_BAND_HZ,
    LINK_COHERENCE,
    LINK_MIN_RATE,
    LINK_MIN_S,
    LINK_OUTLIER,
    LINK_RATIO,
    HeadingLink,
    heading_link,
    linked_calibration,
)
from neckimu.trunk.neck_angles import (
    ACC_BIAS_SPAN_S,
    MAX_TRUNK_GAP_S,
    TrunkAngles,
    deviation_deg,
    hold_neck,
    inclination_deg,
    neck_matrices,
    trunk_angles,
    trunk_covered,
    trunk_rate_in_head,
    trunk_rotation,
)

__all__ = [
    "ACC_BIAS_SPAN_S",
    "FILTER_MARGIN_S",
    "HIP_TO_HEAD_M",
    "LINK_BAND_HZ",
    "LINK_COHERENCE",
    "LINK_MIN_RATE",
    "LINK_MIN_S",
    "LINK_OUTLIER",
    "LINK_RATIO",
    "MAX_TRUNK_GAP_S",
    "HeadingLink",
    "NeckDisplacement",
    "TrunkAngles",
    "TrunkCalibration",
    "TrunkContext",
    "calibrate_trunk",
    "deviation_deg",
    "heading_link",
    "hold_neck",
    "inclination_deg",
    "linked_calibration",
    "neck_displacement",
    "neck_matrices",
    "trunk_angles",
    "trunk_context",
    "trunk_covered",
    "trunk_data_problem",
    "trunk_rate_in_head",
    "trunk_rotation",
    "zupt_between",
]
