"""One panel's data: a sequence and what a view's masks removed from it."""
from typing import Dict, List, Optional, Sequence

import numpy as np


class View:
    """A sequence and what its masks removed.

    Args:
        name (str): Panel title (``'original'`` or the view's name).
        keypoint (np.ndarray): (M, T', V, C) coordinates.
        joint_mask (np.ndarray, optional): (V,) bool, True = removed joint.
        kept_frames (np.ndarray, optional): (T',) ascending frame indices the
            temporal mask kept; ``None``: the frames are ``0 .. T'-1``.
    """

    def __init__(self,
                 name: str,
                 keypoint: np.ndarray,
                 joint_mask: Optional[np.ndarray] = None,
                 kept_frames: Optional[np.ndarray] = None) -> None:
        self.name = name
        self.keypoint = np.asarray(keypoint, dtype=np.float64)
        self.joint_mask = (None if joint_mask is None else np.asarray(
            joint_mask, dtype=bool))
        num_rows = self.keypoint.shape[1]
        self.kept_frames = (np.arange(num_rows) if kept_frames is None else
                            np.asarray(kept_frames, dtype=np.int64))
        self.temporal = kept_frames is not None
        self._row_of = {int(f): r for r, f in enumerate(self.kept_frames)}

    @property
    def num_frames(self) -> int:
        """Frames spanned before temporal masking (last kept index + 1)."""
        return int(self.kept_frames.max()) + 1 if len(self.kept_frames) else 0

    def row(self, frame: int) -> Optional[int]:
        """Row of ``keypoint`` holding ``frame``; ``None`` if removed."""
        return self._row_of.get(int(frame))

    def masked_joints(self) -> List[int]:
        """Indices of the removed joints, ascending."""
        if self.joint_mask is None:
            return []
        return [int(j) for j in np.flatnonzero(self.joint_mask)]

    def title(self) -> str:
        """Panel title: the name and what the masks removed."""
        title = self.name
        masked = self.masked_joints()
        if masked:
            title += f'\n{len(masked)} joints masked (red x)'
        if self.temporal:
            title += f'\n{len(self.kept_frames)} frames kept'
        return title


def active_persons(keypoint: np.ndarray) -> List[int]:
    """Persons with any non-zero coordinate (padding persons are all 0)."""
    persons = [m for m in range(keypoint.shape[0]) if np.any(keypoint[m])]
    return persons or [0]


def summary_line(info: Dict, views: Sequence[View], joint_names) -> str:
    """One line: sample, label, masked joints by name, frames kept per view.

    Example: ``sample S001C001P001R001A001 | label 0 | masked joints:
    spatial=[neck, head] | frames kept: anchor 50/50, temporal 30/50``.

    Args:
        info (dict): The sample (``frame_dir``, ``label``).
        views (Sequence[View]): The original first, then the views.
        joint_names (Sequence[str]): The layout's joint names.
    """
    masked = [
        f'{v.name}=[{", ".join(joint_names[j] for j in v.masked_joints())}]'
        for v in views[1:] if v.joint_mask is not None
    ]
    total = views[0].keypoint.shape[1]
    kept = [f'{v.name} {len(v.kept_frames)}/{total}' for v in views[1:]]
    return (f'sample {info.get("frame_dir")} | label {info.get("label")} | '
            f'masked joints: {"; ".join(masked) or "none"} | '
            f'frames kept: {", ".join(kept)}')
