"""Where the report keeps each recording's analysis and figures, and when they are reused.

A recording's :class:`~neckimu.report.record.SessionRecord` and PNGs are kept in a folder of
their own, named by a key made of

- the recording's content (SHA-256 of its bytes) and file name (the figures' titles show it),
- the *code fingerprint*: neckimu's version, the pass rules (the fields of ``HoldCriteria``,
  ``RetractionCriteria``, ``StretchCriteria`` and ``PostureCriteria``), the source of the
  whole ``neckimu`` package and the versions of the libraries that compute or draw
  (numpy, scipy, vqf, pandas, matplotlib).

Layout: ``<root>/<fingerprint>/<key>/record.json`` and its PNGs. A changed recording gets a
new key; a changed criterion, source file or library version a new fingerprint, and the
folders of other fingerprints are deleted at the start of the next report. A folder is
written under a temporary name and renamed when complete, so an interrupted or failed
analysis (a damaged or foreign file) leaves nothing that could be read back. The root
(default ``~/.cache/neckimu/report``, see :func:`default_cache_dir`) may be deleted at any
time.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from neckimu.report.record import RECORD_VERSION, SessionRecord

#: Libraries whose version changes numbers or pixels.
LIBRARIES = ("numpy", "scipy", "vqf", "pandas", "matplotlib")
#: Temporary folders older than this are left-overs of an interrupted run, s.
STALE_TMP_S = 3600.0
_TMP = ".tmp-"


def default_cache_dir() -> Path:
    """The report cache's root: ``$NECKIMU_CACHE_DIR``, else ``$XDG_CACHE_HOME/neckimu/report``,
    else ``~/.cache/neckimu/report``."""
    env = os.environ.get("NECKIMU_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neckimu" / "report"


def criteria_fields() -> dict[str, dict]:
    """The pass rules' fields (class defaults), by exercise kind."""
    from neckimu.posture import PostureCriteria
    from neckimu.verify.hold import HoldCriteria
    from neckimu.verify.retraction import RetractionCriteria
    from neckimu.verify.stretch import StretchCriteria

    return {
        "hold": asdict(HoldCriteria()),
        "retraction": asdict(RetractionCriteria()),
        "stretch": asdict(StretchCriteria()),
        "posture": asdict(PostureCriteria()),
    }


def _source_digest() -> bytes:
    import neckimu

    root = Path(neckimu.__file__).parent
    h = hashlib.sha256()
    for f in sorted(p for ext in ("*.py", "*.toml") for p in root.rglob(ext)):
        h.update(str(f.relative_to(root).as_posix()).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.digest()


def code_fingerprint() -> str:
    """What the records depend on besides the recording, as 16 hex digits."""
    from importlib.metadata import PackageNotFoundError, version

    from neckimu import __version__

    h = hashlib.sha256(f"record {RECORD_VERSION}; neckimu {__version__}\n".encode())
    h.update(repr(sorted(criteria_fields().items())).encode())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib} {version(lib)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{lib} -\n".encode())
    h.update(_source_digest())
    return h.hexdigest()[:16]


def recording_key(path: Path) -> str:
    """Key of a recording: its content and file name, 32 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return hashlib.sha256(f"{h.hexdigest()}\0{Path(path).name}".encode()).hexdigest()[:32]


class RecordCache:
    """The records of one code fingerprint under a root folder.

    Parameters
    ----------
    root : Path
        The cache's root (created if needed).
    fingerprint : str, optional
        Default :func:`code_fingerprint`.

    Raises
    ------
    OSError
        The root cannot be created.
    """

    def __init__(self, root: Path, fingerprint: str | None = None) -> None:
        self.root = Path(root)
        self.fingerprint = fingerprint or code_fingerprint()
        self.folder = self.root / self.fingerprint
        self.folder.mkdir(parents=True, exist_ok=True)

    def prune(self) -> int:
        """Delete the folders of other fingerprints and stale temporary folders; returns how
        many were deleted."""
        n = 0
        for d in self.root.iterdir():
            if d.is_dir() and d.name != self.fingerprint and _is_fingerprint(d.name):
                shutil.rmtree(d, ignore_errors=True)
                n += 1
        now = time.time()
        left = [*self.folder.glob(_TMP + "*"), *(self.folder / "page").glob(_TMP + "*")]
        for d in left:
            try:
                old = now - d.stat().st_mtime > STALE_TMP_S
            except OSError:
                continue
            if old and d.is_dir():
                shutil.rmtree(d, ignore_errors=True)
                n += 1
            elif old:
                d.unlink(missing_ok=True)
                n += 1
        return n

    def entry(self, key: str) -> Path:
        """The folder of a key (whether or not it exists)."""
        return self.folder / key

    def load(self, key: str) -> SessionRecord | None:
        """The record of ``key``, or None when there is none or it is not whole."""
        d = self.entry(key)
        if not d.is_dir():
            return None
        try:
            return SessionRecord.read(d)
        except (OSError, ValueError):
            return None

    def page_figure(
        self, name: str, inputs: object, draw: Callable[[Path], object], dest: Path
    ) -> Path:
        """A figure of the whole page (progress, range of motion) at ``dest``: copied from
        the cache when it was drawn from the same ``inputs`` (compared by their ``repr``),
        else drawn by ``draw(path)`` and kept (replacing the one of other inputs).

        Parameters
        ----------
        name : str
            The figure's name (``progress``).
        inputs : object
            Everything the figure is drawn from; its ``repr`` must be deterministic.
        draw : callable
            Writes the PNG to the path it is given.
        dest : Path
            Where the PNG goes.
        """
        key = hashlib.sha256(f"{name}\0{inputs!r}".encode()).hexdigest()[:32]
        folder = self.folder / "page"
        kept = folder / f"{name}-{key}.png"
        if kept.is_file():
            copy_file(kept, dest)
            return dest
        draw(dest)
        try:
            folder.mkdir(exist_ok=True)
            tmp = folder / f"{_TMP}{secrets.token_hex(6)}.png"
            shutil.copyfile(dest, tmp)
            os.replace(tmp, kept)
            for old in folder.glob(f"{name}-*.png"):
                if old != kept:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # not kept: drawn again next time
        return dest

    def new_folder(self) -> Path:
        """An empty temporary folder to write one record into (then :meth:`commit`)."""
        d = self.folder / f"{_TMP}{secrets.token_hex(6)}"
        d.mkdir()
        return d

    def commit(self, tmp: Path, key: str) -> Path:
        """Move a complete record folder into place; returns its folder."""
        dest = self.entry(key)
        if dest.exists():  # a broken entry, or another run was faster
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.replace(tmp, dest)
        except OSError:
            if not dest.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return dest


def copy_file(src: Path, dest: Path) -> None:
    """Copy a file with its modification time, unless ``dest`` already is such a copy (same
    size and modification time)."""
    try:
        a, b = os.stat(src), os.stat(dest)
        if a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns:
            return
    except OSError:
        pass
    shutil.copy2(src, dest)


def _is_fingerprint(name: str) -> bool:
    return len(name) == 16 and all(c in "0123456789abcdef" for c in name)
