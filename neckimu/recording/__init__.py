"""Recordings: the session file format (v1), foreign CSV import, and session events."""
