"""A strip of a view's frames: kept green, removed red."""
from typing import Sequence

import numpy as np
from matplotlib.colors import to_rgb

from .colours import KEPT_COLOUR, REMOVED_COLOUR
from .view import View


def kept_frame_flags(view: View, num_frames: int) -> np.ndarray:
    """(num_frames,) bool: True where the view kept the frame."""
    kept = np.zeros(num_frames, dtype=bool)
    kept[view.kept_frames[view.kept_frames < num_frames]] = True
    return kept


def draw_timeline(ax, view: View, num_frames: int,
                  marks: Sequence[int] = ()) -> None:
    """Strip of ``num_frames`` cells: kept green, removed red.

    Args:
        ax (matplotlib.axes.Axes): Where to draw.
        view (View): The view.
        num_frames (int): Frames on the strip.
        marks (Sequence[int]): Frames to tick (those drawn above).
    """
    kept = kept_frame_flags(view, num_frames)
    colours = np.where(kept[None, :, None], np.array(to_rgb(KEPT_COLOUR)),
                       np.array(to_rgb(REMOVED_COLOUR)))
    ax.imshow(colours, aspect='auto', extent=(-0.5, num_frames - 0.5, 0, 1),
              interpolation='nearest')
    for mark in marks:
        ax.axvline(mark, color='black', linewidth=1.2)
    ax.yaxis.set_visible(False)
    ax.set_xlim(-0.5, num_frames - 0.5)
    ax.tick_params(axis='x', labelsize=7, length=2, pad=1)
    ax.set_xlabel(f'kept {int(kept.sum())}/{num_frames} frames', fontsize=7,
                  labelpad=1)
