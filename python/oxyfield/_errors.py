"""Errors raised on the Python side, shaped as the library's (kind "input")."""

from __future__ import annotations

from . import _native


def input_error(file: str, message: str) -> _native.OxyfieldError:
    """An :class:`oxyfield.OxyfieldError` about ``file`` (a path or an argument)."""
    e = _native.OxyfieldError(f"{file}: {message}")
    e.kind, e.file, e.message, e.exit_code = "input", file, message, 2
    return e
