"""neckimu: companion software for neck training with a head-worn IMU.

Data flow (one module per stage)::

    BLE notification bytes   neckimu.wire          (decode packets)
    -> sample blocks         neckimu.samples           (SampleBlock, SI units)
    -> recording / ring      neckimu.recording, neckimu.live.ringbuffer
    -> orientation           neckimu.orientation       (vqf)
    -> head frame, angles    neckimu.headframe, neckimu.angles
    -> translation           neckimu.translation
    -> verifiers             neckimu.verify
    -> view / report / JSON  neckimu.live, neckimu.report, neckimu.results

The simulated headset enters the flow where the device does (notification bytes); a replayed
recording enters as sample blocks, through the same source interface as the headset. The layers
and the rule that each imports only those below it: docs/architecture.md.
"""

__version__ = "0.1.0"

SAFETY_NOTICE = (
    "neckimu is a training aid, not a medical device. Stop before an exercise hurts. "
    "See a health professional for pain that spreads into the arm, numbness or weakness."
)
