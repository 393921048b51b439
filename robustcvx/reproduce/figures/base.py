"""What a figure builder returns, and how the list of figures is declared.

A builder is a small function ``build(results) -> Drawn`` (one per figure, its caption written
beside the drawing code); :class:`FigureSpec` names its file and README heading.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Drawn:
    """A drawn figure with its title (also in the image) and the caption the README prints under it."""

    fig: Any
    title: str
    caption: str


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the run: its file name, its builder and its README heading."""

    file: str
    build: Callable[[Any], Drawn]
    heading: str = ""


def wrap(text: str, width: int = 75) -> str:
    """``text`` broken into lines of at most ``width`` characters (figure titles)."""
    return "\n".join(textwrap.wrap(text, width))
