"""The fit check: a few seconds of data from the headset, judged before a session starts.

Three questions, answered from the samples alone (:func:`check_fit`):

- **Is it on?** Data flows: samples arrive at about the headset's rate and few are lost.
- **Is it still?** The head's angular speed (gyroscope minus its median, which is the bias
  when the head is mostly still; smoothed over 0.2 s as the calibration does) stays below the
  calibration's still threshold (:data:`neckimu.headframe.STILL_RAD_S`).
- **Which mount?** The gravity direction of the longest still phase, found by the
  calibration code (:func:`neckimu.headframe.calibrate` without nods), is held against the
  mount presets' up directions. Gravity alone cannot tell a board on the forehead from one on
  the back of the head (both stand upright with the same axis up): the chosen one of the two
  is taken. The angle between the measured up direction and the preset's says how tilted the
  board sits.

Every answer comes with advice in plain words (:attr:`FitCheck.advice`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.ndimage import uniform_filter1d

from neckimu.errors import CalibrationError
from neckimu.headframe import MIN_STILL_S, STILL_RAD_S, calibrate
from neckimu.mounts import MOUNTS, get_mount
from neckimu.orientation import estimate_offline
from neckimu.runs import true_runs
from neckimu.samples import SampleBlock

#: Seconds of data the fit check asks for (session time).
FIT_S = 4.0
#: Share of the asked-for samples that must arrive for the data to count as flowing.
MIN_RECEIVED_SHARE = 0.5
#: Above this share of lost samples the link is called weak, %.
LOSS_WARN_PCT = 5.0
#: Share of the check the head must be still for.
STILL_SHARE = 0.8
#: A board tilted more than this from its preset gets advice to straighten it, deg. The
#: calibration copes with any tilt; the presets' lever arms assume a board about in place.
TILT_WARN_DEG = 30.0
#: Two presets whose up directions are closer than this cannot be told apart by gravity, deg.
SAME_UP_DEG = 1.0

#: Mount names for people.
MOUNT_WORDS: dict[str, str] = {
    "forehead": "forehead",
    "back_of_head": "back of the head",
    "top_of_head": "top of the head",
}


def mount_words(name: str) -> str:
    """A mount preset's name for people (``back_of_head`` -> ``back of the head``)."""
    return MOUNT_WORDS.get(name, name.replace("_", " "))


def _up_in_board(mount: str) -> np.ndarray:
    """The head's up axis in the board frame for a preset, shape (3,)."""
    return MOUNTS[mount].sensor_to_head.inv().apply([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class FitCheck:
    """What the fit check found.

    Attributes
    ----------
    chosen_mount : str
        The mount preset the person said they use.
    samples : int
        IMU samples received.
    duration_s : float
        Time they cover, s.
    rate_hz : float
        Measured sample rate, Hz (0 with fewer than two samples).
    loss_pct : float
        Samples lost on the way, % of those the headset produced.
    on : bool
        Data flows.
    still_share : float
        Share of the samples with the head still, 0..1.
    still : bool
        The head was still for most of the check.
    mount : str or None
        The preset the measured gravity fits (None: no still phase to measure it in).
    same_up : tuple of str
        Other presets gravity cannot tell from ``mount``.
    tilt_deg : float or None
        Angle between the measured up direction and ``mount``'s, deg.
    t_s : ndarray, shape (N,)
        Sample times from the first sample, s (for the plot).
    speed_deg_s : ndarray, shape (N,)
        Head angular speed, deg/s (for the plot).
    advice : list of str
        What to do, in plain words, most important first.
    """

    chosen_mount: str
    samples: int
    duration_s: float
    rate_hz: float
    loss_pct: float
    on: bool
    still_share: float
    still: bool
    mount: str | None
    same_up: tuple[str, ...]
    tilt_deg: float | None
    t_s: np.ndarray = field(repr=False)
    speed_deg_s: np.ndarray = field(repr=False)
    advice: list[str] = field(default_factory=list)

    @property
    def mount_ok(self) -> bool:
        """The board sits as the chosen mount (gravity agrees)."""
        return self.mount == self.chosen_mount

    @property
    def status(self) -> str:
        """``"ok"`` (start), ``"check"`` (can start, advice worth reading) or ``"problem"``."""
        if not self.on or self.mount is None or not self.mount_ok:
            return "problem"
        if (
            not self.still
            or self.loss_pct > LOSS_WARN_PCT
            or (self.tilt_deg is not None and self.tilt_deg > TILT_WARN_DEG)
        ):
            return "check"
        return "ok"

    def lines(self) -> list[tuple[str, bool | None, str]]:
        """Three findings for the screen: ``(question, good (None: unknown), answer)``."""
        if not self.on:
            on = (False, "no data" if self.samples == 0 else f"only {self.samples} samples")
        else:
            lost = "none lost" if self.loss_pct == 0 else f"{self.loss_pct:.1f} % lost"
            on = (self.loss_pct <= LOSS_WARN_PCT, f"yes: {self.rate_hz:.0f} samples/s, {lost}")
        if not self.on:
            still: tuple[bool | None, str] = (None, "—")
        else:
            still = (
                self.still,
                f"{'yes' if self.still else 'no'}: still "
                f"{100 * self.still_share:.0f} % of the time",
            )
        if self.mount is None:
            mount: tuple[bool | None, str] = (None, "— (needs a still second)")
        else:
            where = mount_words(self.mount)
            tilt = f", tilted {self.tilt_deg:.0f}°" if self.tilt_deg is not None else ""
            same = (
                ""
                if self.mount_ok or not self.same_up
                else f" or {' or '.join(map(mount_words, self.same_up))}"
            )
            mount = (
                self.mount_ok and (self.tilt_deg or 0.0) <= TILT_WARN_DEG,
                f"{where}{same}{tilt}",
            )
        return [("Is it on?", *on), ("Is it still?", *still), ("Which mount?", *mount)]


def head_speed(samples: SampleBlock) -> np.ndarray:
    """Head angular speed, rad/s, shape (N,): the gyroscope minus its median (the bias when
    the head is mostly still), smoothed over 0.2 s as the calibration's still test."""
    if len(samples) == 0:
        return np.zeros(0)
    gyr = samples.gyr - np.median(samples.gyr, axis=0)
    ts = float(np.median(np.diff(samples.t))) if len(samples) > 1 else 0.01
    return uniform_filter1d(np.linalg.norm(gyr, axis=1), max(1, round(0.2 / ts)))


def _gravity_mount(samples: SampleBlock, chosen: str) -> tuple[str, tuple[str, ...], float] | None:
    """(preset gravity fits, presets with the same up, tilt deg) or None without a still
    phase.

    The calibration code finds the still phase and the up direction in it (gravity only, no
    nods). :func:`neckimu.mounts.infer_mount` compares whole rotations, whose forward axis
    gravity alone cannot give, so the up direction is held against each preset's directly;
    among presets with the same up (forehead and back of the head) the chosen one wins.
    """
    if len(samples) < 10 or samples.duration_s < MIN_STILL_S:
        return None
    orient = estimate_offline(samples)
    # a short check: the median gyroscope is a better bias than the filter's first seconds
    bias = np.broadcast_to(np.median(samples.gyr, axis=0), orient.bias.shape)
    orient = replace(orient, bias=bias)
    try:
        cal = calibrate(samples, orient, None, mount=chosen, mount_source="argument")
    except CalibrationError:
        return None
    up = cal.sensor_to_head.inv().apply([0.0, 0.0, 1.0])
    angles = {
        m: float(np.degrees(np.arccos(np.clip(up @ _up_in_board(m), -1.0, 1.0)))) for m in MOUNTS
    }
    best = min(angles.values())
    near = [m for m, a in angles.items() if a < best + SAME_UP_DEG]
    name = chosen if chosen in near else min(near, key=angles.__getitem__)
    return name, tuple(m for m in near if m != name), angles[name]


def check_fit(
    samples: SampleBlock,
    mount: str,
    *,
    nominal_rate_hz: float,
    asked_s: float = FIT_S,
    missing: int = 0,
) -> FitCheck:
    """Judge a few seconds of headset data.

    Parameters
    ----------
    samples : SampleBlock
        What arrived during the check (SI units).
    mount : str
        The mount preset chosen (``neckimu.mounts``).
    nominal_rate_hz : float
        The headset's IMU rate, Hz.
    asked_s : float
        Seconds of data asked for, s.
    missing : int
        Samples counted as lost on the way (gaps).

    Returns
    -------
    FitCheck

    Raises
    ------
    ValueError
        For an unknown mount preset.
    """
    get_mount(mount)
    n = len(samples)
    dur = samples.duration_s
    rate = (n - 1) / dur if n > 1 and dur > 0 else 0.0
    loss = 100.0 * missing / (missing + n) if missing + n else 0.0
    on = n >= max(2, MIN_RECEIVED_SHARE * nominal_rate_hz * asked_s)
    speed = head_speed(samples)
    still_mask = speed < STILL_RAD_S
    still_share = float(still_mask.mean()) if n else 0.0
    longest = max((b - a for a, b in true_runs(still_mask)), default=0)
    still = on and still_share >= STILL_SHARE and longest / max(rate, 1.0) >= MIN_STILL_S
    found = _gravity_mount(samples, mount) if on else None
    fit = FitCheck(
        chosen_mount=mount,
        samples=n,
        duration_s=dur,
        rate_hz=rate,
        loss_pct=loss,
        on=on,
        still_share=still_share,
        still=still,
        mount=None if found is None else found[0],
        same_up=() if found is None else found[1],
        tilt_deg=None if found is None else found[2],
        t_s=samples.t - samples.t[0] if n else np.zeros(0),
        speed_deg_s=np.degrees(speed),
    )
    return replace(fit, advice=_advice(fit))


def _advice(f: FitCheck) -> list[str]:
    """What to do, in plain words, most important first."""
    if not f.on:
        if f.samples == 0:
            return [
                "No data came from the headset. Is it switched on and within a few "
                "metres of the computer? Then check again."
            ]
        return [
            f"Only {f.samples} samples arrived in {f.duration_s:.1f} s. Bring the "
            "headset closer to the computer, away from other radios, and check again."
        ]
    out: list[str] = []
    chosen = mount_words(f.chosen_mount)
    if f.mount is None:
        out.append(
            "Your head was moving all the time, so the mount could not be checked. "
            "Sit tall, look straight ahead, keep still and check again."
        )
    elif not f.mount_ok:
        where = " or ".join(mount_words(m) for m in (f.mount, *f.same_up))
        out.append(
            f"The board sits as on the {where}, but {chosen} is chosen: choose "
            f"{where}, or move the board to the {chosen}."
        )
    elif f.tilt_deg is not None and f.tilt_deg > TILT_WARN_DEG:
        out.append(
            f"The board is tilted about {f.tilt_deg:.0f}° from the usual {chosen} "
            "position: straighten the headband so the board sits flat and upright."
        )
    if f.mount is not None and not f.still:
        out.append("Keep still during the check: sit tall and look straight ahead.")
    if f.loss_pct > LOSS_WARN_PCT:
        out.append(
            f"{f.loss_pct:.0f} % of the data was lost on the way: bring the headset "
            "closer to the computer."
        )
    if not out:
        out.append(
            f"Ready: the headset is on, your head is still and the board sits as on the {chosen}."
        )
    return out
