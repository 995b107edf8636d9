"""All exceptions neckimu raises on purpose, in one place (as bleak keeps its ``exc.py``).

The command line turns every :class:`NeckimuError` into one line on stderr and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class NeckimuError(Exception):
    """Base class of errors that are reported to people as one line."""


class InputError(NeckimuError):
    """Bad input data: names the file and, where known, the line (1-based) and the column.

    Parameters
    ----------
    path : str
        The file being read.
    message : str
        What is wrong, in a few words.
    line : int, optional
        1-based line number in the file.
    column : str, optional
        Column name (or 1-based index as text).
    """

    def __init__(
        self, path: str, message: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


class CalibrationError(NeckimuError):
    """The calibration segment could not give a head frame."""


class WireError(NeckimuError):
    """A BLE packet that does not follow docs/wire-format.md; the client counts and drops it."""


class DeviceError(NeckimuError):
    """The headset could not be found, connected to, or stopped answering."""
