"""The ``normalize`` preprocessing of the converters (``--preprocess
normalize``; NW-UCLA's only one).

A whole-clip normalisation of one clip (M, T, V, C), persons already chosen
(the main person first):

1. frames where every person is all zero are dropped (the *valid* frames);
2. every frame is made relative to the centre joint of the first person
   (NTU joint 21, the spine shoulder); persons that are all zero in a frame
   stay zero;
3. the sequence is rotated once, as a rigid body, so that for the first
   person in the first valid frame ``right shoulder - left shoulder`` points
   along +x (the bone between the shoulders parallel to the x axis);
4. the valid frames are resized to ``num_frames`` by linear interpolation
   (:func:`~pstl_mm.datasets.temporal_resize.resize_frames`).

It differs from the CrosSCLR/AimCLR scripts that prepared the data of the
paper's numbers (:mod:`pstl_mm.datasets.aimclr`, ``--preprocess aimclr``).
"""
from typing import Tuple

import numpy as np

from ..datasets.temporal_resize import resize_frames
from ..skeleton import CLIP_LENGTH, get_layout

# (left shoulder, right shoulder) of each layout, 0-based.
SHOULDERS = {'nturgb+d': (4, 8), 'kinect_v1': (4, 8), 'coco': (5, 6)}


def valid_frames(keypoint: np.ndarray) -> np.ndarray:
    """Indices of the frames in which some person has a non-zero joint.

    Args:
        keypoint (np.ndarray): (M, T, V, C).

    Returns:
        np.ndarray: (T_valid,) int64, ascending.
    """
    return np.flatnonzero(np.abs(keypoint).sum(axis=(0, 2, 3)) > 0)


def rotation_to_x(vector: np.ndarray) -> np.ndarray:
    """Rotation matrix taking ``vector`` (3,) onto the +x direction.

    The smallest rotation (about ``vector x e_x``); identity for a zero
    vector or one already along +x.
    """
    v = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(v)
    if norm < 1e-12:
        return np.eye(3)
    v = v / norm
    x = np.array([1.0, 0.0, 0.0])
    axis = np.cross(v, x)
    sin = np.linalg.norm(axis)
    cos = float(np.dot(v, x))
    if sin < 1e-12:
        return np.eye(3) if cos > 0 else np.diag([-1.0, 1.0, -1.0])
    k = axis / sin
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + sin * kx + (1 - cos) * (kx @ kx)


def normalize_sequence(keypoint: np.ndarray,
                       layout: str = 'nturgb+d',
                       num_frames: int = CLIP_LENGTH
                       ) -> Tuple[np.ndarray, int]:
    """Steps 1-4 of the module docstring.

    Args:
        keypoint (np.ndarray): (M, T, V, 3) raw coordinates, persons already
            chosen (the main person first).
        layout (str): Skeleton layout (centre joint and shoulders).
        num_frames (int): Output length. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.

    Returns:
        tuple: (M, num_frames, V, 3) float32 keypoints and the number of
        valid frames of the input.

    Raises:
        ValueError: the clip has no valid frame.
    """
    table = get_layout(layout)
    keep = valid_frames(keypoint)
    if len(keep) == 0:
        raise ValueError('no valid frame (every joint of every person is 0)')
    kp = keypoint[:, keep].astype(np.float64)
    present = np.abs(kp).sum(axis=(2, 3), keepdims=True) > 0  # M, T, 1, 1
    centre = kp[0:1, :, table.center:table.center + 1]  # 1, T, 1, C
    kp = (kp - centre) * present
    left, right = SHOULDERS[table.name]
    rot = rotation_to_x(kp[0, 0, right] - kp[0, 0, left])
    kp = kp @ rot.T
    return resize_frames(kp, num_frames), len(keep)
