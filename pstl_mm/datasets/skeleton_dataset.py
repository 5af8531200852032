"""Skeleton sequences for PSTL, loaded safely and validated."""
import mmap
import os.path as osp
from typing import Callable, List, Optional, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmaction.datasets.transforms import JointToBone, ToMotion
from mmaction.registry import DATASETS
from mmcv.transforms import BaseTransform

from ..skeleton import get_layout
from .safe_pickle import safe_load


class SkeletonDataError(ValueError):
    """An annotation file or one of its samples is malformed."""


STREAMS = ('joint', 'bone', 'motion')


def stream_transforms(stream: str, layout: str) -> List[BaseTransform]:
    """MMAction2 transforms that turn joints into the ``stream``.

    ``bone``: ``b_v = x_v - x_parent(v)`` with the layout's parents, through
    MMAction2's ``JointToBone`` (its NTU pairs are the paper's; other layouts
    use the table of :mod:`pstl_mm.skeleton`). ``motion``: forward
    difference, last frame 0, through MMAction2's ``ToMotion``.
    """
    if stream not in STREAMS:
        raise ValueError(f'unknown stream {stream!r}; choose one of {STREAMS}')
    if stream == 'joint':
        return []
    if stream == 'motion':
        return [ToMotion(source='keypoint', target='keypoint')]
    table = get_layout(layout)
    bone = JointToBone(
        dataset=table.name if table.name in ('nturgb+d', 'coco') else
        'nturgb+d')
    bone.pairs = list(enumerate(table.parents))
    return [bone]


def _transform_name(transform) -> str:
    """The type name of a transform or of its config."""
    if isinstance(transform, dict):
        kind = transform.get('type')
        return kind if isinstance(kind, str) else getattr(
            kind, '__name__', '')
    return type(transform).__name__


#: Keys of an annotation carried into the sample when present, validated as
#: (height, width) pairs (MMAction2's ``PreNormalize2D`` reads
#: ``img_shape``).
IMAGE_SHAPES = ('img_shape', 'original_shape')


@DATASETS.register_module()
class PSTLSkeletonDataset(BaseActionDataset):
    """Skeleton clips from an annotation pickle or CrosSCLR-style arrays.

    Two layouts, with the same sample dict out:

    * an MMAction2/pyskl annotation pickle ``{'split': {name: [frame_dir,
      ...]}, 'annotations': [{'frame_dir', 'label', 'keypoint' (M, T, V, C),
      ...}, ...]}`` (e.g. MMAction2's ``ntu60_3d.pkl`` or the output of this
      package's converters), every sample validated at load time;
    * the CrosSCLR/AimCLR layout: ``ann_file`` a ``*_data_joint.npy``
      (N, C, T, V, M) array, memory-mapped (``allow_pickle=False``), and
      ``label_file`` a ``*_label.pkl`` holding ``(names, labels)``; names and
      labels are validated at load time, coordinates when a sample is read.

    Pickles are read with a restricted unpickler (containers and numpy
    arrays only); every error names the file, the sample and the problem.

    Each sample dict carries ``keypoint`` (num_person, T, V, C) float32
    (persons added or truncated, see :meth:`get_data_info`), ``label``,
    ``frame_dir``, ``total_frames``, ``layout`` (the layout's name), from
    which the transforms that need a layout (flip, spatial masks,
    partial-body occlusion) take it, so that a config names it once, here,
    and ``coordinates`` (``in_channels``: the channels of ``keypoint`` that
    are coordinates, which shear, rotation, flip and MATM read; see
    :mod:`~pstl_mm.datasets.transforms.coordinates`).

    2-D skeletons: MMAction2's 2-D pickles (``ntu60_2d.pkl``, MMPose's
    output: ``keypoint`` (M, T, 17, 2) pixels, ``keypoint_score`` (M, T,
    17), ``img_shape`` (H, W), T varying per clip) load with ``layout='coco'``
    and ``in_channels=2``. ``keypoint_score`` is validated (shape (M, T, V)
    of its keypoint, finite; every sample has one or none does) and carried,
    padded with zeros (a padded person has score 0) or truncated as the
    keypoints; ``img_shape`` and ``original_shape`` are validated (two
    positive numbers) and carried, for MMAction2's ``PreNormalize2D``
    (which maps a padded person, put at the image centre, to zero: see
    :meth:`get_data_info`). The streams are computed from the stored
    keypoints before ``pipeline``, so ``stream='bone'`` or ``'motion'``
    refuses a pipeline that normalizes the pixels afterwards
    (``PreNormalize2D``).

    Args:
        ann_file (str): The annotation pickle, or a ``.npy`` array.
        pipeline (list): Transforms.
        split (str, optional): Key of ``split`` to use (pickle only);
            ``None`` takes all.
        label_file (str, optional): ``(names, labels)`` pickle of a ``.npy``
            ``ann_file``.
        layout (str): Skeleton layout; V must match it.
        stream (str): ``'joint'``, ``'bone'`` or ``'motion'``: the stream is
            computed from the joints before ``pipeline``.
        num_person (int): Persons M per sample. Defaults to 2.
        in_channels (int): Coordinates C of the stored ``keypoint``: 3 for
            3-D skeletons, 2 for image keypoints (whose ``keypoint_score``
            is not counted). Defaults to 3.
        num_classes (int, optional): Labels must lie in [0, num_classes).
        missing_hint (str, optional): Appended to the error when
            ``ann_file`` does not exist (e.g. the converter to run).
        label_fraction (float, optional): Keep a labelled subset of this
            fraction per class: ``max(1, round(p * n_c))`` samples of class
            c, drawn with ``label_seed`` (semi-supervised protocols). Its
            names are in :attr:`labelled_subset`.
        label_seed (int): Seed of that draw. Defaults to 0.
        **kwargs: Passed to :class:`BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 split: Optional[str] = None,
                 label_file: Optional[str] = None,
                 layout: str = 'nturgb+d',
                 stream: str = 'joint',
                 num_person: int = 2,
                 in_channels: int = 3,
                 num_classes: Optional[int] = None,
                 missing_hint: Optional[str] = None,
                 label_fraction: Optional[float] = None,
                 label_seed: int = 0,
                 **kwargs) -> None:
        if label_fraction is not None and not 0 < label_fraction <= 1:
            raise ValueError(f'label_fraction must be in (0, 1], got '
                             f'{label_fraction}')
        self.split = split
        self.label_file = label_file
        self.label_fraction = label_fraction
        self.label_seed = label_seed
        self.labelled_subset: Optional[List[str]] = None
        self._array: Optional[np.ndarray] = None
        self.layout = get_layout(layout)
        self.num_person = num_person
        self.in_channels = in_channels
        self.missing_hint = missing_hint
        self._label_bound = num_classes
        self.stream = stream
        if stream != 'joint' and any(
                _transform_name(t) == 'PreNormalize2D' for t in pipeline):
            raise ValueError(
                f"stream={stream!r} is computed from the stored pixels "
                'before the pipeline, and PreNormalize2D in the pipeline '
                'would then shift it as if it were positions: only the '
                'joint stream is supported with PreNormalize2D')
        super().__init__(
            ann_file,
            pipeline=stream_transforms(stream, layout) + list(pipeline),
            num_classes=num_classes,
            modality='Pose',
            **kwargs)

    def _error(self, msg: str, index: Optional[int] = None,
               name: Optional[str] = None) -> SkeletonDataError:
        where = self.ann_file
        if index is not None:
            where += f', sample {index}'
            if name is not None:
                where += f' ({name!r})'
        return SkeletonDataError(f'{where}: {msg}')

    def load_data_list(self) -> List[dict]:
        """Load, select the split, validate, and take the labelled subset."""
        if not osp.isfile(self.ann_file):
            hint = f' {self.missing_hint}' if self.missing_hint else ''
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist.{hint}')
        if self.ann_file.endswith('.npy'):
            data_list = self._load_arrays()
        else:
            data_list = self._load_pickle()
        if self.label_fraction is not None:
            data_list = self._labelled(data_list)
        return data_list

    def _load_pickle(self) -> List[dict]:
        data = safe_load(self.ann_file)
        if not isinstance(data, dict) or not isinstance(
                data.get('annotations'), list):
            raise self._error("expected a dict with an 'annotations' list, "
                              f'got {type(data).__name__}')
        annotations = data['annotations']
        if self.split is not None:
            splits = data.get('split')
            if not isinstance(splits, dict) or self.split not in splits:
                known = sorted(splits) if isinstance(splits, dict) else []
                raise self._error(f'no split {self.split!r} (splits in the '
                                  f'file: {known})')
            wanted = set(splits[self.split])
            annotations = [a for a in annotations
                           if a.get('frame_dir') in wanted]
        data_list = []
        scored = None  # whether the samples have keypoint_score
        for i, ann in enumerate(annotations):
            name = ann.get('frame_dir') if isinstance(ann, dict) else None
            if not isinstance(ann, dict) or 'keypoint' not in ann:
                raise self._error("not a dict with 'keypoint'", i, name)
            kp = ann['keypoint']
            self._check_keypoint(kp, i, name)
            info = dict(
                frame_dir=name,
                label=ann.get('label'),
                keypoint=kp,
                total_frames=int(kp.shape[1]),
                layout=self.layout.name,
                coordinates=self.in_channels)
            has_score = 'keypoint_score' in ann
            if scored is None:
                scored = has_score
            elif has_score != scored:
                raise self._error(
                    'has no keypoint_score, but the samples before it have'
                    if scored else 'has a keypoint_score, but the samples '
                    'before it have none', i, name)
            if has_score:
                self._check_score(ann['keypoint_score'], kp, i, name)
                info['keypoint_score'] = ann['keypoint_score']
            for key in IMAGE_SHAPES:
                if key in ann:
                    info[key] = self._image_shape(ann[key], key, i, name)
            data_list.append(info)
        return self._check_labels_and_names(data_list)

    def _load_arrays(self) -> List[dict]:
        if self.label_file is None:
            raise self._error('a .npy ann_file needs label_file, the '
                              '(names, labels) pickle beside it')
        if not osp.isfile(self.label_file):
            raise FileNotFoundError(
                f'label file {self.label_file} does not exist')
        labels = safe_load(self.label_file)
        if not (isinstance(labels, (tuple, list)) and len(labels) == 2):
            raise SkeletonDataError(
                f'{self.label_file}: expected (names, labels), got '
                f'{type(labels).__name__}')
        names, labels = list(labels[0]), list(labels[1])
        array = self._open_array()
        v, c = self.layout.num_joints, self.in_channels
        if array.ndim != 5 or array.shape[1] != c or array.shape[3] != v:
            raise self._error(
                f'array has shape {array.shape}, expected (N, {c}, T, {v}, '
                f'M) for layout {self.layout.name!r}')
        if not (len(names) == len(labels) == array.shape[0]):
            raise self._error(
                f'{len(array)} samples but {len(labels)} labels and '
                f'{len(names)} names in {self.label_file}')
        if array.shape[2] == 0 or array.shape[4] == 0:
            raise self._error(f'array has no frames or persons '
                              f'(shape {array.shape})')
        data_list = [
            dict(
                frame_dir=name,
                label=label,
                array_index=i,
                total_frames=int(array.shape[2]),
                layout=self.layout.name,
                coordinates=self.in_channels)
            for i, (name, label) in enumerate(zip(names, labels))
        ]
        return self._check_labels_and_names(data_list)

    def _open_array(self) -> np.ndarray:
        """The memory-mapped (N, C, T, V, M) array of a ``.npy`` ann_file."""
        if self._array is None:
            self._array = np.load(
                self.ann_file, mmap_mode='r', allow_pickle=False)
        return self._array

    def _release_pages(self, index: int) -> None:
        """Drop the mapped pages of sample ``index`` from this process.

        The sample has been copied; without this, every page read stays in
        the process's resident memory until the whole file is resident.
        """
        array = self._array
        mm = getattr(array, '_mmap', None)
        if mm is None or not hasattr(mm, 'madvise'):
            return
        base = array.offset - array.offset % mmap.ALLOCATIONGRANULARITY
        begin = array.offset - base + index * array.strides[0]
        end = min(begin + array.strides[0], len(mm))
        begin -= begin % mmap.PAGESIZE
        mm.madvise(mmap.MADV_DONTNEED, begin, end - begin)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_array'] = None  # re-opened (memory-mapped) where used
        return state

    def _check_keypoint(self, kp, index: int, name: Optional[str]) -> None:
        """Raise unless ``kp`` is a finite (M, T, V, C) array."""
        v, c = self.layout.num_joints, self.in_channels
        if not isinstance(kp, np.ndarray) or kp.ndim != 4 or \
                kp.shape[2] != v or kp.shape[3] != c:
            shape = getattr(kp, 'shape', type(kp).__name__)
            hint = ''
            if getattr(kp, 'ndim', 0) == 4 and kp.shape[3] != c:
                hint = f' (in_channels={c}'
                if kp.shape[3] == 2:
                    hint += '; 2-D keypoints need in_channels=2'
                hint += ')'
            raise self._error(
                f'keypoint has shape {shape}, expected (M, T, {v}, {c}) '
                f'for layout {self.layout.name!r}{hint}', index, name)
        if kp.shape[0] == 0 or kp.shape[1] == 0:
            raise self._error(f'keypoint has no persons or frames '
                              f'(shape {kp.shape})', index, name)
        if not np.isfinite(kp).all():
            bad = np.argwhere(~np.isfinite(kp))[0].tolist()
            raise self._error(
                f'keypoint holds NaN/inf (first at person, frame, joint, '
                f'coord = {bad})', index, name)

    def _check_score(self, score, kp: np.ndarray, index: int,
                     name: Optional[str]) -> None:
        """Raise unless ``score`` is a finite (M, T, V) array of ``kp``."""
        if not isinstance(score, np.ndarray) or score.shape != kp.shape[:3]:
            shape = getattr(score, 'shape', type(score).__name__)
            raise self._error(
                f'keypoint_score has shape {shape}, expected '
                f'{tuple(kp.shape[:3])} (M, T, V of its keypoint '
                f'{tuple(kp.shape)})', index, name)
        if not np.isfinite(score).all():
            bad = np.argwhere(~np.isfinite(score))[0].tolist()
            raise self._error(
                'keypoint_score holds NaN/inf (first at person, frame, '
                f'joint = {bad})', index, name)

    def _image_shape(self, value, key: str, index: int,
                     name: Optional[str]) -> tuple:
        """``value`` as an (H, W) tuple of positive numbers, or raise."""
        pair = np.asarray(value) if isinstance(value, (tuple, list,
                                                       np.ndarray)) else None
        if pair is None or pair.shape != (2, ) or not np.issubdtype(
                pair.dtype, np.number) or not np.all(pair > 0):
            raise self._error(f'{key} must be (height, width), two positive '
                              f'numbers, got {value!r}', index, name)
        return tuple(pair.tolist())

    def _check_labels_and_names(self, data_list: List[dict]) -> List[dict]:
        """Raise on a label out of range or a duplicate sample name."""
        seen = {}
        for i, info in enumerate(data_list):
            name, label = info['frame_dir'], info['label']
            if not isinstance(label, (int, np.integer)) or label < 0 or (
                    self._label_bound is not None
                    and label >= self._label_bound):
                raise self._error(
                    f'label {label!r} out of range [0, {self._label_bound})',
                    i, name)
            if name in seen:
                raise self._error(
                    f'duplicate sample name (also sample {seen[name]})', i,
                    name)
            seen[name] = i
            info['label'] = int(label)
        return data_list

    def _labelled(self, data_list: List[dict]) -> List[dict]:
        """The per-class labelled subset (semi-supervised protocols)."""
        rng = np.random.default_rng(self.label_seed)
        labels = np.array([info['label'] for info in data_list])
        chosen = []
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            count = max(1, int(np.floor(self.label_fraction * len(members) +
                                        0.5)))
            chosen += rng.choice(members, size=count, replace=False).tolist()
        chosen.sort()
        subset = [data_list[i] for i in chosen]
        self.labelled_subset = [info['frame_dir'] for info in subset]
        return subset

    def prepare_data(self, idx: int):
        """Sample ``idx`` through the pipeline.

        Raises:
            SkeletonDataError: a transform refused the sample (its
                ``ValueError``, prefixed with the file and the sample).
        """
        try:
            return super().prepare_data(idx)
        except SkeletonDataError:
            raise
        except ValueError as err:
            name = self.get_data_info(idx)['frame_dir']
            raise self._error(str(err), idx, name) from err

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` with ``num_person`` persons, float32 (its
        ``keypoint_score`` too, where it has one).

        A person added to a 2-D sample with an ``img_shape`` (H, W) is put
        at the image centre, (W / 2, H / 2) in every frame, with score 0:
        MMAction2's ``PreNormalize2D`` maps it to (0, 0), the zero person
        that MMAction2's ``FormatGCNInput`` adds after normalizing, and a
        fixed point of the shear, rotation and flip, as the zero persons
        added to 3-D samples are. Other persons added are zero.
        """
        info = super().get_data_info(idx)
        if 'array_index' in info:
            index = info.pop('array_index')
            kp = np.array(self._open_array()[index]).transpose(3, 1, 2, 0)
            self._release_pages(index)
            self._check_keypoint(kp, index, info['frame_dir'])
        else:
            kp = info['keypoint']
        centre = 0.0
        if 'img_shape' in info and kp.shape[-1] == 2:
            height, width = info['img_shape']
            centre = np.array([width / 2, height / 2], np.float32)
        info['keypoint'] = self._persons(kp, centre)
        if 'keypoint_score' in info:
            info['keypoint_score'] = self._persons(info['keypoint_score'])
        return info

    def _persons(self, array: np.ndarray,
                 fill: Union[float, np.ndarray] = 0.0) -> np.ndarray:
        """(M, ...) -> (num_person, ...) float32: persons added (every
        value ``fill``, broadcast over the last axis) or the last ones
        cut."""
        array = array.astype(np.float32, copy=False)
        m = array.shape[0]
        if m < self.num_person:
            pad = np.empty((self.num_person - m, ) + array.shape[1:],
                           array.dtype)
            pad[...] = fill
            array = np.concatenate([array, pad])
        return np.ascontiguousarray(array[:self.num_person])
