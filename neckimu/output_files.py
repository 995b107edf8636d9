"""Writing output files safely: never over an input, never over an existing file without
``--force``, and all of a command's outputs or none.

Every command that writes files checks its outputs first (:func:`check_outputs`: one line and
exit 2, nothing written) and then writes through :class:`StagedOutputs`: each file goes to a
temporary file beside its destination and is moved into place (``os.replace``) only when every
output of the command has been produced. JSON is written strictly (:func:`json_text`): a value
that is not a finite number becomes ``null``, never ``NaN``.

Streaming recordings (``record``, ``live``, ``demo``, ``posture``) are the exception to the
staging: they are written in place so that a session cut off by power loss keeps what was
received (docs/recording-format.md, *Durability*); they are checked all the same.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neckimu.errors import NeckimuError

#: Bytes looked at to tell whether an existing file is a recording.
_SNIFF_BYTES = 65536


def is_recording(path: str | Path) -> bool:
    """Whether ``path`` holds a recording: a neckimu recording or an interchange CSV.

    Looks at the first 64 KiB only (decompressed for gzip): the ``# neckimu recording`` line,
    or a header line holding ``time_s`` and the six IMU columns.

    Parameters
    ----------
    path : str or Path
        An existing regular file.

    Returns
    -------
    bool
    """
    from neckimu.recording.writer import MAGIC_PREFIX
    from neckimu.samples import REQUIRED_COLUMNS

    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            head = zlib.decompressobj(wbits=31).decompress(head, _SNIFF_BYTES)
    except (OSError, zlib.error):
        return False
    if head.startswith(MAGIC_PREFIX.encode()):
        return True
    for line in head.split(b"\n")[:200]:
        text = line.decode("utf-8", "replace").strip().lstrip("\ufeff")
        if text and not text.startswith("#"):
            cells = {c.strip() for c in text.split(",")}
            return all(c in cells for c in REQUIRED_COLUMNS)
    return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    inputs: Iterable[str | Path] = (),
    *,
    force: bool = False,
    recordings: Iterable[str] = (),
) -> None:
    """Refuse outputs that would destroy data, before anything is read or written.

    Parameters
    ----------
    outputs : mapping of str to path or None
        What each output is called for people (``"--json"``) and where it goes; None: not
        asked for.
    inputs : iterable of path
        Files the command reads. An output that is one of them (the same file after
        resolving symbolic and hard links) is always refused.
    force : bool
        Allow overwriting an existing file (never an input).
    recordings : iterable of str
        Names (keys of ``outputs``) of outputs that are recordings (only the wording of the
        error differs: an existing file in any output needs ``force``).

    Raises
    ------
    NeckimuError
        One line naming the option and the file.
    """
    ins = [Path(p) for p in inputs if p is not None]
    rec_names = set(recordings)
    seen: dict[str, str] = {}
    for name, value in outputs.items():
        if value is None:
            continue
        out = Path(value)
        key = os.path.normcase(os.path.abspath(out))
        if key in seen:
            raise NeckimuError(f"{name} and {seen[key]} are the same file {str(out)!r}")
        seen[key] = name
        if out.is_dir():
            raise NeckimuError(f"{name}: {str(out)!r} is a folder; give a file name")
        for p in ins:
            if out.exists() and _same_file(out, p):
                raise NeckimuError(
                    f"{name}: {str(out)!r} is an input ({p}); choose another output file"
                )
        if not out.exists():
            continue
        if not out.is_file():
            raise NeckimuError(f"{name}: {str(out)!r} is not a regular file")
        if force:
            continue
        what = (
            "is an existing recording"
            if name not in rec_names and is_recording(out)
            else "already exists"
        )
        raise NeckimuError(
            f"{name}: {str(out)!r} {what}; pass --force to overwrite it, or choose another name"
        )


def check_folder(name: str, value: str | Path) -> Path:
    """An output folder: refuse a path that exists and is not a folder.

    Returns
    -------
    Path
    """
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise NeckimuError(f"{name}: {str(out)!r} exists and is not a folder")
    return out


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _finite(obj.item())
    return obj


def json_text(obj: Any, indent: int | None = 1) -> str:
    """Strict JSON text of ``obj`` with a final newline; non-finite numbers become ``null``.

    Parameters
    ----------
    obj : JSON-able object (dicts, lists, str, int, float, bool, None; numpy scalars)
    indent : int, optional

    Returns
    -------
    str
    """
    return json.dumps(_finite(obj), indent=indent, allow_nan=False) + "\n"


class StagedOutputs:
    """Outputs written beside their destinations and moved into place together.

    Use :func:`staged_outputs`. :meth:`path` gives the temporary file to write for a
    destination (same folder, same suffix, so matplotlib and gzip see the format);
    :meth:`write_text` writes one directly.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, dest: str | Path) -> Path:
        """A temporary file beside ``dest`` (its folder is created if needed)."""
        dest = Path(dest)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.partial{dest.suffix}"
            # a new file with the usual permissions (mkstemp would make it private)
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except OSError as e:
            raise NeckimuError(f"cannot write {dest}: {e.strerror or e}") from None
        self._pending.append((Path(tmp), dest))
        return Path(tmp)

    def write_text(self, dest: str | Path, text: str) -> None:
        """Stage ``text`` (UTF-8, ``\\n`` line ends) for ``dest``; gzip-compressed when
        ``dest`` ends in ``.gz``."""
        import gzip

        tmp = self.path(dest)
        opener = gzip.open if str(dest).endswith(".gz") else open
        try:
            with opener(tmp, "wt", encoding="utf-8", newline="\n") as f:
                f.write(text)
        except OSError as e:
            raise NeckimuError(f"cannot write {dest}: {e.strerror or e}") from None

    def _commit(self) -> list[Path]:
        done = []
        for tmp, dest in self._pending:
            try:
                os.replace(tmp, dest)
            except OSError as e:
                raise NeckimuError(f"cannot write {dest}: {e.strerror or e}") from None
            done.append(dest)
        self._pending.clear()
        return done

    def _discard(self) -> None:
        for tmp, _ in self._pending:
            try:
                tmp.unlink()
            except OSError:
                pass
        self._pending.clear()


@contextmanager
def staged_outputs() -> Iterator[StagedOutputs]:
    """Stage outputs; on a clean exit move them all into place, on an exception remove them.

    Examples
    --------
    >>> with staged_outputs() as stage:                                   # doctest: +SKIP
    ...     stage.write_text("a.json", json_text(result))
    ...     plot_angles(analysis, stage.path("a.png"))
    """
    stage = StagedOutputs()
    try:
        yield stage
    except BaseException:
        stage._discard()
        raise
    stage._commit()
