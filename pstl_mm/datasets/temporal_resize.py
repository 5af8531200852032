"""Linear resizing of a skeleton sequence in time."""
import numpy as np


def resize_frames(keypoint: np.ndarray, num_frames: int) -> np.ndarray:
    """Linear interpolation in time to ``num_frames`` (align_corners=False).

    Output frame ``i`` samples the input at ``(i + 0.5) T / num_frames -
    0.5``, clamped to ``[0, T - 1]``: half-pixel centres with the edge
    frames repeated, as ``torch.nn.functional.interpolate(mode='linear',
    align_corners=False)`` and ``cv2.resize(..., INTER_LINEAR)`` along one
    axis. Computed in float64.

    Args:
        keypoint (np.ndarray): (M, T, V, C) with T >= 1.
        num_frames (int): Output length.

    Returns:
        np.ndarray: (M, num_frames, V, C) float32.
    """
    t = keypoint.shape[1]
    src = (np.arange(num_frames) + 0.5) * (t / num_frames) - 0.5
    src = np.clip(src, 0, t - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, t - 1)
    w = (src - lo)[None, :, None, None]
    kp = keypoint.astype(np.float64, copy=False)
    out = kp[:, lo] * (1 - w) + kp[:, hi] * w
    return np.ascontiguousarray(out, dtype=np.float32)
