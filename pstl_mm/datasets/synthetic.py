"""Procedural skeleton actions on the NTU RGB+D layout.

Ten distinguishable actions made by rotating limb chains of a rest pose,
with per-sample body size, amplitude, speed, phase, facing direction and
noise, all drawn from one seeded generator. No download: the demo and the
tests make their data from this module.
"""
from typing import Callable, Dict, List, Sequence

import numpy as np

from ..skeleton import CLIP_LENGTH, NTU_RGBD

# Rest pose (metres, x to the subject's side, y up, z depth), NTU order.
_REST = np.array([
    [0.00, 0.00, 0.00],  # 0 spine_base
    [0.00, 0.25, 0.00],  # 1 spine_mid
    [0.00, 0.60, 0.00],  # 2 neck
    [0.00, 0.75, 0.00],  # 3 head
    [0.18, 0.50, 0.00],  # 4 shoulder_left
    [0.22, 0.22, 0.00],  # 5 elbow_left
    [0.24, -0.03, 0.00],  # 6 wrist_left
    [0.24, -0.10, 0.00],  # 7 hand_left
    [-0.18, 0.50, 0.00],  # 8 shoulder_right
    [-0.22, 0.22, 0.00],  # 9 elbow_right
    [-0.24, -0.03, 0.00],  # 10 wrist_right
    [-0.24, -0.10, 0.00],  # 11 hand_right
    [0.10, -0.02, 0.00],  # 12 hip_left
    [0.10, -0.45, 0.00],  # 13 knee_left
    [0.10, -0.85, 0.00],  # 14 ankle_left
    [0.10, -0.90, -0.10],  # 15 foot_left
    [-0.10, -0.02, 0.00],  # 16 hip_right
    [-0.10, -0.45, 0.00],  # 17 knee_right
    [-0.10, -0.85, 0.00],  # 18 ankle_right
    [-0.10, -0.90, -0.10],  # 19 foot_right
    [0.00, 0.50, 0.00],  # 20 spine_shoulder
    [0.24, -0.17, 0.00],  # 21 hand_tip_left
    [0.21, -0.12, -0.02],  # 22 thumb_left
    [-0.24, -0.17, 0.00],  # 23 hand_tip_right
    [-0.21, -0.12, -0.02],  # 24 thumb_right
], dtype=np.float64)

_ARM_L = [4, 5, 6, 7, 21, 22]
_ARM_R = [8, 9, 10, 11, 23, 24]
_FOREARM_L = [6, 7, 21, 22]
_FOREARM_R = [10, 11, 23, 24]
_LEG_L = [13, 14, 15]
_LEG_R = [17, 18, 19]
_SHIN_L = [14, 15]
_SHIN_R = [18, 19]
_UPPER = [1, 2, 3, 20] + _ARM_L + _ARM_R


def _rotation(axis: str, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    if axis == 'x':
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == 'y':
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _rotate(pose: np.ndarray, joints: Sequence[int], pivot: int, axis: str,
            angle: float) -> None:
    """Rotate ``joints`` of a (V, 3) pose about joint ``pivot`` in place."""
    centre = pose[pivot].copy()
    pose[joints] = (pose[joints] - centre) @ _rotation(axis, angle).T + centre


def _wave_left_hand(pose, ph, amp):
    _rotate(pose, _ARM_L, 4, 'z', 2.4 * amp)
    _rotate(pose, _FOREARM_L, 5, 'z', 0.6 * amp * np.sin(4 * np.pi * ph))


def _raise_both_arms(pose, ph, amp):
    angle = 2.5 * amp * np.sin(np.pi * ph)
    _rotate(pose, _ARM_L, 4, 'z', angle)
    _rotate(pose, _ARM_R, 8, 'z', -angle)


def _punch_right(pose, ph, amp):
    _rotate(pose, _ARM_R, 8, 'x', -1.5 * amp)
    _rotate(pose, _FOREARM_R, 9, 'x',
            -1.2 * amp * (0.5 + 0.5 * np.cos(4 * np.pi * ph)))


def _kick_left(pose, ph, amp):
    _rotate(pose, _LEG_L, 12, 'x', -1.2 * amp * max(np.sin(2 * np.pi * ph),
                                                    0))


def _squat(pose, ph, amp):
    depth = 0.35 * amp * np.sin(np.pi * ph)
    pose[[0, 12, 16] + _UPPER] -= [0, depth, 0]
    pose[[13, 17]] += [0, -0.4 * depth, -0.8 * depth]


def _jump(pose, ph, amp):
    pose += [0, 0.3 * amp * abs(np.sin(2 * np.pi * ph)), 0]


def _bow(pose, ph, amp):
    _rotate(pose, _UPPER, 0, 'x', -1.0 * amp * np.sin(np.pi * ph))


def _turn_around(pose, ph, amp):
    _rotate(pose, list(range(25)), 0, 'y', np.pi * amp * ph)


def _clap(pose, ph, amp):
    _rotate(pose, _ARM_L, 4, 'x', -1.3)
    _rotate(pose, _ARM_R, 8, 'x', -1.3)
    close = 0.5 * amp * (0.5 + 0.5 * np.sin(6 * np.pi * ph))
    _rotate(pose, _ARM_L, 4, 'y', close)
    _rotate(pose, _ARM_R, 8, 'y', -close)


def _walk(pose, ph, amp):
    swing = 0.5 * amp * np.sin(4 * np.pi * ph)
    _rotate(pose, _LEG_L, 12, 'x', swing)
    _rotate(pose, _LEG_R, 16, 'x', -swing)
    _rotate(pose, _ARM_L, 4, 'x', -0.6 * swing)
    _rotate(pose, _ARM_R, 8, 'x', 0.6 * swing)
    pose += [0, 0, -0.8 * ph]


ACTIONS: Dict[str, Callable] = {
    'wave_left_hand': _wave_left_hand,
    'raise_both_arms': _raise_both_arms,
    'punch_right': _punch_right,
    'kick_left': _kick_left,
    'squat': _squat,
    'jump': _jump,
    'bow': _bow,
    'turn_around': _turn_around,
    'clap': _clap,
    'walk': _walk,
}
CLASS_NAMES = tuple(ACTIONS)


def synthetic_sequence(label: int,
                       rng: np.random.Generator,
                       num_frames: int = CLIP_LENGTH,
                       num_person: int = 2) -> np.ndarray:
    """One procedurally generated action.

    Args:
        label (int): Index into :data:`CLASS_NAMES`.
        rng (np.random.Generator): Source of every random choice.
        num_frames (int): T. Defaults to :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        num_person (int): M; persons after the first are zero.

    Returns:
        np.ndarray: (M, T, 25, 3) float32 keypoints, relative to the spine
        shoulder (joint 21) of the first frame.
    """
    action = ACTIONS[CLASS_NAMES[label]]
    scale = rng.uniform(0.85, 1.15)
    amp = rng.uniform(0.7, 1.0)
    speed = rng.uniform(0.8, 1.2)
    start = rng.uniform(0.0, 0.15)
    yaw = rng.uniform(-np.pi / 6, np.pi / 6)
    rest = _REST * scale
    out = np.zeros((num_person, num_frames, 25, 3), dtype=np.float32)
    facing = _rotation('y', yaw)
    for t in range(num_frames):
        pose = rest.copy()
        phase = min(start + speed * t / max(num_frames - 1, 1), 1.0)
        action(pose, phase, amp)
        out[0, t] = pose @ facing.T
    out[0] += rng.normal(0.0, 0.01, size=out[0].shape)
    out[0] -= out[0, 0, NTU_RGBD.center]
    return out


def make_synthetic_annotations(num_per_class: int,
                               seed: int = 0,
                               num_frames: int = CLIP_LENGTH,
                               num_person: int = 2,
                               prefix: str = 'synthetic') -> List[dict]:
    """A balanced list of MMAction2 skeleton annotations.

    Args:
        num_per_class (int): Samples per action.
        seed (int): Seed of the generator. Defaults to 0.
        num_frames (int): T of every sample. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        num_person (int): M. Defaults to 2.
        prefix (str): Start of every ``frame_dir``.

    Returns:
        list[dict]: ``frame_dir``, ``label``, ``keypoint`` (M, T, 25, 3),
        ``total_frames`` of each sample, classes interleaved.
    """
    rng = np.random.default_rng(seed)
    annotations = []
    for i in range(num_per_class):
        for label, name in enumerate(CLASS_NAMES):
            keypoint = synthetic_sequence(label, rng, num_frames, num_person)
            annotations.append(
                dict(
                    frame_dir=f'{prefix}_{name}_{i:04d}',
                    label=label,
                    keypoint=keypoint,
                    total_frames=num_frames))
    return annotations
