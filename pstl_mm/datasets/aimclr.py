"""The CrosSCLR/AimCLR skeleton preprocessing, the data of PSTL's numbers.

What AimCLR's ``feeder/NTUDatasets.NTUMotionProcessor(data_type='relative',
t_length=50, y_rotation=True, sampling='resize')`` makes of one raw clip
(the ``_position.npy`` rows that PSTL trains on), its quirks included:

1. **length** ``L``: the number of frames in which joint 0 of body 0 is not
   zero, counted anywhere in the clip (:func:`aimclr_length`);
2. **centring**: every body, in every frame, minus its own joint 21 (the
   spine shoulder, 0-based 20); an absent body stays zero;
3. **resize**: the **prefix** ``[:L]`` resized linearly to 50 frames
   (``cv2.resize(INTER_LINEAR)``, half-pixel centres, edges clamped), so
   all-zero frames inside a clip are kept and as many real frames at its
   end are dropped;
4. **y rotation** per body (``parallel_skeleton``, :func:`parallel_to_x`):
   with ``v = right shoulder - left shoulder`` (0-based joints 8 and 4) and
   ``v_y = 0``, frame t turns about y by ``theta_t = arccos(v_x / (|v| +
   1e-4))``, whose sign is chosen **once per sequence** (negated when the
   sum over frames of ``v_z`` is >= 0), so frames whose own ``v_z`` has the
   other sign end up with their shoulders not along +x.

Bodies are the slots of the raw arrays (AimCLR: the first two bodies listed
in each frame); an all-zero body stays all zero. The arithmetic follows the
scripts' dtypes (float32 raw data, float32 angles, float64 products), so the
result matches theirs to float32 rounding.
"""
from typing import Tuple

import numpy as np

from ..skeleton import CLIP_LENGTH
from .temporal_resize import resize_frames

#: Joint every body is centred on (NTU joint 21, the spine shoulder).
CENTRE_JOINT = 20
#: (left shoulder, right shoulder), 0-based NTU joints 5 and 9.
SHOULDER_JOINTS = (4, 8)


def aimclr_length(keypoint: np.ndarray) -> int:
    """AimCLR's ``get_length``: frames where body 0, joint 0 is not zero.

    Args:
        keypoint (np.ndarray): (M, T, V, C) raw coordinates.

    Returns:
        int: The number of such frames, wherever they are (not a prefix).
    """
    return int(np.count_nonzero(np.abs(keypoint[0, :, 0]).sum(axis=-1)))


def centre_bodies(keypoint: np.ndarray,
                  joint: int = CENTRE_JOINT) -> np.ndarray:
    """Every body, in every frame, minus its own ``joint``.

    Args:
        keypoint (np.ndarray): (M, T, V, C).
        joint (int): The centre joint. Defaults to :data:`CENTRE_JOINT`.

    Returns:
        np.ndarray: (M, T, V, C), the dtype of ``keypoint``.
    """
    return keypoint - keypoint[:, :, joint:joint + 1]


def parallel_to_x(body: np.ndarray,
                  shoulders: Tuple[int, int] = SHOULDER_JOINTS) -> np.ndarray:
    """AimCLR's ``parallel_skeleton``: turn each frame about y.

    ``v = body[:, right] - body[:, left]`` with ``v_y = 0``;
    ``theta_t = arccos(v_x / (|v| + 1e-4))`` in [0, pi], negated for every
    frame when ``sum_t v_z >= 0``; frame t becomes ``R_t x`` with ``R_t =
    [[cos, 0, -sin], [0, 1, 0], [sin, 0, cos]](theta_t)``. Angles are
    computed in float32 and the product in float64, as there.

    Args:
        body (np.ndarray): (T, V, 3) float32, one body.
        shoulders (tuple[int, int]): (left, right) shoulder joints.

    Returns:
        np.ndarray: (T, V, 3) float32.
    """
    body = np.asarray(body, np.float32)
    left, right = shoulders
    vec = (body[:, right] - body[:, left]).T.copy()  # (3, T) float32
    vec[1] = 0
    norm = np.sqrt(np.sum(np.square(vec), axis=0))
    degrees = np.arccos(vec[0] / (norm + 0.0001)) * (180 / np.pi)
    if np.sum(np.ascontiguousarray(vec[2])) >= 0:
        degrees = -degrees
    radians = degrees * np.pi / 180
    cos = np.cos(radians).astype(np.float64)
    sin = np.sin(radians).astype(np.float64)
    rot = np.zeros((len(body), 3, 3))
    rot[:, 0, 0], rot[:, 0, 2] = cos, -sin
    rot[:, 1, 1] = 1
    rot[:, 2, 0], rot[:, 2, 2] = sin, cos
    turned = np.einsum('tij,tvj->tvi', rot, body.astype(np.float64))
    return turned.astype(np.float32)


def aimclr_position(keypoint: np.ndarray,
                    num_frames: int = CLIP_LENGTH
                    ) -> Tuple[np.ndarray, int]:
    """Steps 1-4 of the module docstring on one clip.

    Args:
        keypoint (np.ndarray): (M, T, 25, 3) raw coordinates in metres,
            body slots in order (zeros where a body is absent).
        num_frames (int): Output length. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.

    Returns:
        tuple: (M, num_frames, 25, 3) float32 positions and the length
        ``L`` (:func:`aimclr_length`).

    Raises:
        ValueError: ``L`` is 0 (joint 0 of body 0 is zero in every frame;
            the AimCLR scripts fail on such a clip).
    """
    raw = np.asarray(keypoint, np.float32)
    length = aimclr_length(raw)
    if length == 0:
        raise ValueError('joint 0 of body 0 is zero in every frame (AimCLR '
                         'length 0: nothing to resize)')
    resized = resize_frames(centre_bodies(raw)[:, :length], num_frames)
    position = np.stack([parallel_to_x(body) for body in resized])
    return position, length
