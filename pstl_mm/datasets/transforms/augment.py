"""The ordinary augmentations of PSTL: crop, shear, rotate, flip.

The reference (the authors' ``model.py``: ``crop``, ``shear``,
``random_rotate``, ``random_spatial_flip``) applies them in this order to
every view; each transform here gives, for the same drawn parameters, what
that code gives (direction and order included). Each transform draws one set
of parameters per call (per sample; the reference draws one per batch) from
its own generator (:class:`SeededTransform`).

Every transform reads and writes ``results['keypoint']``, a float array of
shape (M, T, V, C) (persons, frames, joints, channels), and keeps its
dtype.

2-D keypoints (MMAction2's 2-D pickles: (x, y) and a score, see
:mod:`.coordinates`): the transforms that move points act on the coordinate
channels only, ``results['coordinates']`` of them (set by
:class:`~pstl_mm.datasets.PSTLSkeletonDataset`, or the transform's own
``coordinates``), and pass the score channel through unchanged. The shear
is 2 x 2, the rotation turns the image plane about the axis perpendicular
to it, and the flip mirrors x as well as swapping left and right joints;
the crop is temporal and the same for any C. Where every channel is a
coordinate (3-D samples, which the dataset names 3) or nothing names them
(bare arrays), each transform does exactly what it did before.
"""
import functools
import math
from typing import Dict, Optional

import numpy as np
from mmaction.registry import TRANSFORMS

from pstl_mm.skeleton import get_layout
from .coordinates import check_coordinates, sample_coordinates
from .sample_layout import sample_layout
from .seeded import SeededTransform


@functools.lru_cache(maxsize=256)
def mirror_pad_frames(num_frames: int, pad: int) -> np.ndarray:
    """Source frame of every frame of a sequence mirror-padded in time.

    ``x[:, mirror_pad_frames(T, pad)]`` equals ``np.pad(x, ((0, 0), (pad,
    pad), (0, 0), (0, 0)), mode='symmetric')`` for ``0 <= pad <= T``.

    Args:
        num_frames (int): T, the frames of the sequence.
        pad (int): Frames added at each end, ``0 <= pad <= T``.

    Returns:
        np.ndarray: (T + 2 pad,) int64, read-only (it is cached).
    """
    if not 0 <= pad <= num_frames:
        raise ValueError(f'pad must be in [0, {num_frames}], got {pad}')
    frames = np.arange(num_frames)
    index = np.concatenate([
        frames[:pad][::-1], frames, frames[num_frames - pad:][::-1]])
    index.flags.writeable = False
    return index


@functools.lru_cache(maxsize=16)
def off_diagonal(size: int) -> np.ndarray:
    """Flat indices of the off-diagonal entries of a (size, size) matrix.

    Args:
        size (int): The matrix is (size, size).

    Returns:
        np.ndarray: (size (size - 1),) int64, row-major order, read-only.
    """
    index = np.flatnonzero(~np.eye(size, dtype=bool))
    index.flags.writeable = False
    return index


def transform_points(keypoint: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``x <- A x`` for every point: ``keypoint @ A.T`` as one matrix product.

    Computed in float64 and cast back, as ``(keypoint @
    matrix.T).astype(keypoint.dtype)``, but as one product of (N, C)
    float64 points by a contiguous (C, C) float64 matrix, which is several
    times faster than numpy's batched, mixed-type product.

    Args:
        keypoint (np.ndarray): (..., C) coordinates, e.g. (M, T, V, C).
        matrix (np.ndarray): (C, C) float64.

    Returns:
        np.ndarray: Same shape and dtype as ``keypoint``, a new array.
    """
    num_coords = keypoint.shape[-1]
    points = keypoint.reshape(-1, num_coords).astype(np.float64, copy=False)
    moved = np.dot(points, np.ascontiguousarray(matrix.T, dtype=np.float64))
    return moved.astype(keypoint.dtype, copy=False).reshape(keypoint.shape)


def transform_coordinates(keypoint: np.ndarray, matrix: np.ndarray,
                          num_coords: int) -> np.ndarray:
    """``x <- A x`` for the first ``num_coords`` channels of every point.

    The other channels (e.g. the score of 2-D keypoints) are copied
    unchanged. With ``num_coords == C`` this is :func:`transform_points`.

    Args:
        keypoint (np.ndarray): (..., C) channels, e.g. (M, T, V, C).
        matrix (np.ndarray): (n, n) float64, n = ``num_coords``.
        num_coords (int): n, ``1 <= n <= C``.

    Returns:
        np.ndarray: Same shape and dtype as ``keypoint``, a new array.
    """
    if num_coords == keypoint.shape[-1]:
        return transform_points(keypoint, matrix)
    moved = keypoint.copy()
    moved[..., :num_coords] = transform_points(keypoint[..., :num_coords],
                                               matrix)
    return moved


@TRANSFORMS.register_module()
class TemporalPadCrop(SeededTransform):
    """Mirror-pad the sequence in time, then crop a random window of T frames.

    ``pad = T // pad_ratio`` frames are added at each end by mirroring the
    edge frames (numpy ``'symmetric'`` padding: the frames before are
    ``x[:, :pad][:, ::-1]``, those after ``x[:, -pad:][:, ::-1]``); one start
    in ``[0, 2 * pad]`` (inclusive) is drawn and T frames are kept from it.
    A ``keypoint_score`` (M, T, V) present in ``results`` takes the same
    frames. The channels are not looked at: the same on 2-D keypoints, with
    or without their score channel.

    Args:
        pad_ratio (int): T is divided by it to give the pad. Defaults to 6
            (the paper's gamma = 1/6).
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self, pad_ratio: int = 6, seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if int(pad_ratio) != pad_ratio or pad_ratio < 1:
            raise ValueError(f'TemporalPadCrop: pad_ratio must be an integer '
                             f'>= 1, got {pad_ratio!r}')
        self.pad_ratio = int(pad_ratio)

    def transform(self, results: Dict) -> Dict:
        """Crop ``results['keypoint']`` (M, T, V, C) to a window of T frames.

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` (and ``keypoint_score``, if
            any) replaced, same shape.
        """
        keypoint = self._keypoint(results)
        num_frames = keypoint.shape[1]
        pad = num_frames // self.pad_ratio
        start = int(self.rng.integers(0, 2 * pad + 1))
        frames = mirror_pad_frames(num_frames, pad)[start:start + num_frames]
        results['keypoint'] = keypoint.take(frames, axis=1)
        if 'keypoint_score' in results:
            results['keypoint_score'] = np.asarray(
                results['keypoint_score']).take(frames, axis=1)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(pad_ratio={self.pad_ratio}, '
                f'seed={self.seed})')


@TRANSFORMS.register_module()
class SkeletonShear(SeededTransform):
    """Random shear of the coordinates: ``x <- S^T x`` for every point.

    ``S`` is n x n, n the number of coordinates, with a unit diagonal and
    off-diagonal entries drawn from U[-beta, beta] (n (n - 1) draws, 6 for
    3-D, in row-major order, as the reference's ``[[1, a, b], [c, 1, d], [e,
    f, 1]]``); coordinate d becomes ``sum_c S[c, d] x_c``, the reference's
    ``einsum('n c t v m, c d -> n d t v m')``.

    n is ``coordinates``, else the sample's ``results['coordinates']``,
    else C (every channel, as before). 2-D keypoints (n = 2): ``S = [[1,
    a], [c, 1]]`` (2 draws) mixes x and y only; a score channel (C = 3)
    is passed through unchanged.

    Args:
        beta (float): Range of the off-diagonal entries. Defaults to 1.
        coordinates (int, optional): Coordinate channels n (the first n of
            C); ``None`` (default) takes the sample's, else C.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 beta: float = 1.0,
                 coordinates: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if beta < 0:
            raise ValueError(f'SkeletonShear: beta must be >= 0, got {beta}')
        self.beta = float(beta)
        self.coordinates = check_coordinates(coordinates, 'SkeletonShear')

    def shear_matrix(self, num_coords: int = 3) -> np.ndarray:
        """Draw a shear matrix.

        Args:
            num_coords (int): C, the size of the matrix.

        Returns:
            np.ndarray: (C, C) float64, unit diagonal.
        """
        draws = self.rng.uniform(
            -self.beta, self.beta, size=num_coords * (num_coords - 1))
        matrix = np.eye(num_coords)
        matrix.reshape(-1)[off_diagonal(num_coords)] = draws
        return matrix

    def transform(self, results: Dict) -> Dict:
        """Shear the coordinates of ``results['keypoint']`` (M, T, V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` replaced, same shape; the
            channels after the coordinates are copied unchanged.

        Raises:
            ValueError: The coordinates (the transform's or the sample's)
                exceed C or disagree.
        """
        keypoint = self._keypoint(results)
        num_channels = keypoint.shape[-1]
        num_coords = sample_coordinates(
            self.coordinates, results, num_channels,
            self._where(results)) or num_channels
        matrix = self.shear_matrix(num_coords)
        results['keypoint'] = transform_coordinates(keypoint, matrix.T,
                                                    num_coords)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(beta={self.beta}, '
                f'coordinates={self.coordinates}, seed={self.seed})')


def rotation_matrix(angles: np.ndarray) -> np.ndarray:
    """``Rz @ Ry @ Rx``: rotate about X, then Y, then Z (column vectors).

    Args:
        angles (np.ndarray): (3,) angles about X, Y, Z in radians.

    Returns:
        np.ndarray: (3, 3) float64 rotation matrix.
    """
    (cx, cy, cz), (sx, sy, sz) = np.cos(angles), np.sin(angles)
    rot_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rot_z @ rot_y @ rot_x


@TRANSFORMS.register_module()
class SkeletonRotate(SeededTransform):
    """Random rotation with one main axis: ``x <- R x`` for every point.

    3-D: a main axis is drawn uniformly among X, Y, Z; its angle is drawn
    from U[0, main_angle], the two others from U[0, other_angle] (positive
    only, as the reference). As in the reference's ``random_rotate``, whose
    per-axis matrices are transposed before use, the points turn about X,
    then Y, then Z, each by **minus** its drawn angle: ``R = Rz(-c) Ry(-b)
    Rx(-a)`` (:func:`rotation_matrix` of the negated angles); e.g. +0.5 rad
    about X takes e_y to (0, cos 0.5, -sin 0.5).

    2-D (``coordinates`` 2, given or the sample's): an in-plane rotation,
    about the axis perpendicular to the image (Z), the only one that keeps
    the points in the image plane. One angle ``c`` is drawn from U[0,
    main_angle] and (x, y) turn by minus it: ``R = [[cos c, sin c], [-sin
    c, cos c]]``, the 3-D rule with Z as main axis and no turn about X or Y
    (:meth:`draw_plane_angle`; ``other_angle`` is not used). Lengths of
    (x, y) vectors are kept; the score channel (C = 3) is passed through
    unchanged. The flip that follows in PSTL's views mirrors x in 2-D, so
    both senses of rotation occur.

    The coordinates are ``coordinates``, else the sample's
    ``results['coordinates']``; where neither names them, the sample must
    be 3-D (C = 3), as before.

    Args:
        main_angle (float): Largest angle about the main axis, radians.
            Defaults to pi / 6.
        other_angle (float): Largest angle about the other axes, radians
            (3-D only). Defaults to pi / 180.
        coordinates (int, optional): 3 or 2 (the first channels of C);
            ``None`` (default) takes the sample's.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 main_angle: float = math.pi / 6,
                 other_angle: float = math.pi / 180,
                 coordinates: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        self.main_angle = float(main_angle)
        self.other_angle = float(other_angle)
        self.coordinates = check_coordinates(coordinates, 'SkeletonRotate')
        if self.coordinates not in (None, 2, 3):
            raise ValueError('SkeletonRotate: coordinates must be 2 or 3, '
                             f'got {coordinates}')

    def draw_angles(self) -> np.ndarray:
        """Draw the (3,) angles about X, Y, Z."""
        main_axis = int(self.rng.integers(0, 3))
        angles = self.rng.uniform(0.0, self.other_angle, size=3)
        angles[main_axis] = self.rng.uniform(0.0, self.main_angle)
        return angles

    def draw_plane_angle(self) -> float:
        """Draw the angle of a 2-D rotation, from U[0, main_angle]."""
        return float(self.rng.uniform(0.0, self.main_angle))

    def transform(self, results: Dict) -> Dict:
        """Rotate the coordinates of ``results['keypoint']`` (M, T, V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` replaced, same shape; the
            channels after the coordinates are copied unchanged.

        Raises:
            ValueError: The coordinates are neither 3-D nor 2-D (nothing
                names them and C is not 3; 2-D keypoints need
                ``coordinates=2``, which the dataset sets for
                ``in_channels=2``).
        """
        keypoint = self._keypoint(results)
        where = self._where(results)
        num_channels = keypoint.shape[-1]
        num_coords = sample_coordinates(self.coordinates, results,
                                        num_channels, where)
        if num_coords is None and num_channels != 3:
            raise ValueError(
                f'{where}: needs 3-D coordinates, got C = {num_channels} '
                '(2-D keypoints: coordinates=2, as PSTLSkeletonDataset sets '
                'for in_channels=2)')
        if num_coords == 2:
            angle = self.draw_plane_angle()
            cos, sin = math.cos(angle), math.sin(angle)
            matrix = np.array([[cos, sin], [-sin, cos]])
        elif num_coords in (None, 3):
            num_coords = 3
            matrix = rotation_matrix(-self.draw_angles())
        else:
            raise ValueError(f'{where}: rotates 2-D or 3-D coordinates, got '
                             f'coordinates={num_coords}')
        results['keypoint'] = transform_coordinates(keypoint, matrix,
                                                    num_coords)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(main_angle={self.main_angle}, '
                f'other_angle={self.other_angle}, '
                f'coordinates={self.coordinates}, seed={self.seed})')


@functools.lru_cache(maxsize=16)
def flip_index(layout: str) -> np.ndarray:
    """The joint order of a left/right swap of ``layout``, as an index.

    Args:
        layout (str): Skeleton layout name (:func:`get_layout`).

    Returns:
        np.ndarray: (V,) int64 ``flip_order``, read-only (it is cached).
    """
    index = np.asarray(get_layout(layout).flip_order, dtype=np.int64)
    index.flags.writeable = False
    return index


@TRANSFORMS.register_module()
class SkeletonFlip(SeededTransform):
    """With probability ``p``, swap left and right joints.

    The joints are reordered by the layout's ``flip_order`` (joint j takes
    joint ``flip_order[j]``). A ``joint_mask`` (V,) and a ``keypoint_score``
    (M, T, V) present in ``results`` are reordered too.

    3-D (and wherever the coordinates are not named 2-D): no coordinate is
    negated (as the reference), a relabelling of the joints.

    2-D (``coordinates`` 2, given or the sample's): a mirror image, as a
    horizontal flip of the video: x is negated as well (about x = 0, the
    image's vertical centre line once MMAction2's ``PreNormalize2D`` has
    centred the pixels), so the person's left joints, now on the other
    side, take the right ones' labels (coco: ``flip_order`` swaps eyes,
    ears, shoulders, elbows, wrists, hips, knees and ankles). y and the
    score channel (C = 3) are not negated; the score moves with its joint.

    The layout is the sample's (``results['layout']``, set by
    :class:`~pstl_mm.datasets.PSTLSkeletonDataset`) unless ``layout`` is
    given (see :func:`sample_layout`).

    Args:
        p (float): Probability of a flip. Defaults to 0.5.
        layout (str, optional): Skeleton layout name (:func:`get_layout`);
            ``None`` (default) takes the sample's.
        coordinates (int, optional): Coordinate channels (2: mirror x);
            ``None`` (default) takes the sample's.
        seed (int, optional): See :class:`SeededTransform`.
    """

    def __init__(self,
                 p: float = 0.5,
                 layout: Optional[str] = None,
                 coordinates: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed=seed)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'SkeletonFlip: p must be in [0, 1], got {p}')
        self.p = float(p)
        self.layout = None if layout is None else get_layout(layout)
        self.coordinates = check_coordinates(coordinates, 'SkeletonFlip')

    def transform(self, results: Dict) -> Dict:
        """Maybe flip ``results['keypoint']`` (M, T, V, C).

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results``, its joints reordered (and x negated, in 2-D)
            if flipped.

        Raises:
            ValueError: No layout (neither given nor in the sample), V
                differs from the layout's number of joints, or the
                coordinates exceed C or disagree.
        """
        where = self._where(results)
        layout = sample_layout(self.layout, results, where)
        keypoint = self._keypoint(results, layout)
        num_coords = sample_coordinates(self.coordinates, results,
                                        keypoint.shape[-1], where)
        if self.rng.random() >= self.p:
            return results
        flip_order = flip_index(layout.name)
        flipped = keypoint.take(flip_order, axis=2)
        if num_coords == 2:
            flipped[..., 0] *= -1
        results['keypoint'] = flipped
        if 'joint_mask' in results:
            results['joint_mask'] = np.asarray(
                results['joint_mask'])[flip_order]
        if 'keypoint_score' in results:
            results['keypoint_score'] = np.asarray(
                results['keypoint_score']).take(flip_order, axis=2)
        return results

    def __repr__(self) -> str:
        layout = None if self.layout is None else self.layout.name
        return (f'{type(self).__name__}(p={self.p}, layout={layout!r}, '
                f'coordinates={self.coordinates}, seed={self.seed})')
