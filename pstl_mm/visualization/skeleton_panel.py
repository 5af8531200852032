"""A view drawn as 2-D (x-y) stick figures, redrawable frame by frame."""
from typing import Sequence

import numpy as np
from matplotlib.collections import LineCollection

from .colours import (MASKED_BONE_COLOUR, MASKED_JOINT_COLOUR, PERSON_COLOURS,
                      REMOVED_COLOUR, REMOVED_FACE)
from .view import View


class SkeletonPanel:
    """Stick figures of a view on one axes; :meth:`update` shows a frame.

    Masked joints are red crosses, their bones grey dashes; a frame the
    temporal mask removed leaves the panel red with "removed" on it.

    Args:
        ax (matplotlib.axes.Axes): Where to draw.
        view (View): The view.
        parents (Sequence[int]): Bone parent of every joint.
        persons (Sequence[int]): Persons to draw.
    """

    def __init__(self, ax, view: View, parents: Sequence[int],
                 persons: Sequence[int]) -> None:
        self.ax = ax
        self.view = view
        self.persons = list(persons)
        bones = [(v, p) for v, p in enumerate(parents) if v != p]
        mask = (view.joint_mask if view.joint_mask is not None else np.zeros(
            len(parents), dtype=bool))
        self.kept_bones = np.array(
            [b for b in bones if not (mask[b[0]] or mask[b[1]])],
            dtype=np.int64).reshape(-1, 2)
        self.masked_bones = np.array(
            [b for b in bones if mask[b[0]] or mask[b[1]]],
            dtype=np.int64).reshape(-1, 2)
        self.kept_joints = np.flatnonzero(~mask)
        self.masked_joints = np.flatnonzero(mask)

        xy = view.keypoint[self.persons][..., :2].reshape(-1, 2)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3)
        half *= 1.1
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_aspect('equal')
        # Hidden axes are not drawn: a GIF frame draws much faster.
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)

        self.artists = []
        for k, _ in enumerate(self.persons):
            colour = PERSON_COLOURS[k % len(PERSON_COLOURS)]
            kept = LineCollection([], colors=colour, linewidths=2.0)
            masked = LineCollection([], colors=MASKED_BONE_COLOUR,
                                    linewidths=1.5, linestyles='dashed')
            ax.add_collection(masked)
            ax.add_collection(kept)
            dots = ax.scatter([], [], s=9, c=colour, zorder=3)
            crosses = ax.scatter([], [], s=40, c=MASKED_JOINT_COLOUR,
                                 marker='x', linewidths=1.8, zorder=4)
            self.artists.append((kept, masked, dots, crosses))
        self.label = ax.text(
            0.03, 0.97, '', transform=ax.transAxes, va='top', fontsize=8,
            zorder=5,
            bbox=dict(facecolor='white', alpha=0.7, edgecolor='none', pad=1))
        self.removed = ax.text(
            0.5, 0.5, '', transform=ax.transAxes, ha='center', va='center',
            fontsize=12, fontweight='bold', color=REMOVED_COLOUR, zorder=5)

    def update(self, frame: int) -> None:
        """Show ``frame`` (index before temporal masking)."""
        row = self.view.row(frame)
        if row is None:
            gone = frame < self.view.num_frames or self.view.temporal
            self.ax.set_facecolor(REMOVED_FACE if gone else '0.95')
            self.removed.set_text(
                f'frame {frame}\nremoved' if gone else 'no frame')
            self.label.set_text('')
            for kept, masked, dots, crosses in self.artists:
                kept.set_segments([])
                masked.set_segments([])
                dots.set_offsets(np.empty((0, 2)))
                crosses.set_offsets(np.empty((0, 2)))
            return
        self.ax.set_facecolor('white')
        self.removed.set_text('')
        text = f'frame {frame}'
        if self.view.temporal:
            text += f' (kept #{row})'
        self.label.set_text(text)
        for person, (kept, masked, dots, crosses) in zip(
                self.persons, self.artists):
            xy = self.view.keypoint[person, row, :, :2]
            kept.set_segments(xy[self.kept_bones])
            masked.set_segments(xy[self.masked_bones])
            dots.set_offsets(xy[self.kept_joints])
            crosses.set_offsets(xy[self.masked_joints])
