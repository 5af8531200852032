"""Skeleton sequences for PSTL, loaded safely and validated."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

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


@DATASETS.register_module()
class PSTLSkeletonDataset(BaseActionDataset):
    """Skeleton clips from an MMAction2/pyskl annotation pickle.

    The file holds ``{'split': {name: [frame_dir, ...]}, 'annotations':
    [{'frame_dir', 'label', 'keypoint' (M, T, V, C), 'total_frames'}, ...]}``
    (e.g. MMAction2's ``ntu60_3d.pkl`` or the output of this package's
    converters). It is read with a restricted unpickler (containers and
    numpy arrays only) and every sample is validated at load time; errors
    name the file and the sample.

    Each sample dict carries ``keypoint`` (num_person, T, V, C) float32
    (persons padded with zeros or truncated), ``label``, ``frame_dir``,
    ``total_frames`` and ``layout``.

    Args:
        ann_file (str): The annotation pickle.
        pipeline (list): Transforms.
        split (str, optional): Key of ``split`` to use; ``None`` takes all.
        layout (str): Skeleton layout; V must match it.
        stream (str): ``'joint'``, ``'bone'`` or ``'motion'``: the stream is
            computed from the joints before ``pipeline``.
        num_person (int): Persons M per sample. Defaults to 2.
        in_channels (int): Coordinates C. Defaults to 3.
        num_classes (int, optional): Labels must lie in [0, num_classes).
        missing_hint (str, optional): Appended to the error when
            ``ann_file`` does not exist (e.g. the converter to run).
        **kwargs: Passed to :class:`BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 split: Optional[str] = None,
                 layout: str = 'nturgb+d',
                 stream: str = 'joint',
                 num_person: int = 2,
                 in_channels: int = 3,
                 num_classes: Optional[int] = None,
                 missing_hint: Optional[str] = None,
                 **kwargs) -> None:
        self.split = split
        self.layout = get_layout(layout)
        self.num_person = num_person
        self.in_channels = in_channels
        self.missing_hint = missing_hint
        self._label_bound = num_classes
        self.stream = stream
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
        """Load, select the split, and validate every sample."""
        if not osp.isfile(self.ann_file):
            hint = f' {self.missing_hint}' if self.missing_hint else ''
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist.{hint}')
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
        return self.validate(annotations)

    def validate(self, annotations: Sequence[dict]) -> List[dict]:
        """Check every sample; return the data list.

        Raises:
            SkeletonDataError: naming the file, sample index and problem:
                wrong rank/shape for the layout, NaN/inf, zero frames, label
                out of range, duplicate sample name.
        """
        v, c = self.layout.num_joints, self.in_channels
        seen = {}
        data_list = []
        for i, ann in enumerate(annotations):
            name = ann.get('frame_dir') if isinstance(ann, dict) else None
            if not isinstance(ann, dict) or 'keypoint' not in ann:
                raise self._error("not a dict with 'keypoint'", i, name)
            kp = ann['keypoint']
            if not isinstance(kp, np.ndarray) or kp.ndim != 4 or \
                    kp.shape[2] != v or kp.shape[3] != c:
                shape = getattr(kp, 'shape', type(kp).__name__)
                raise self._error(
                    f'keypoint has shape {shape}, expected (M, T, {v}, {c}) '
                    f'for layout {self.layout.name!r}', i, name)
            if kp.shape[0] == 0 or kp.shape[1] == 0:
                raise self._error(f'keypoint has no persons or frames '
                                  f'(shape {kp.shape})', i, name)
            if not np.isfinite(kp).all():
                bad = np.argwhere(~np.isfinite(kp))[0].tolist()
                raise self._error(
                    f'keypoint holds NaN/inf (first at person, frame, joint, '
                    f'coord = {bad})', i, name)
            label = ann.get('label')
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
            data_list.append(
                dict(
                    frame_dir=name,
                    label=int(label),
                    keypoint=kp,
                    total_frames=int(kp.shape[1]),
                    layout=self.layout.name))
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` with ``num_person`` persons, float32."""
        info = super().get_data_info(idx)
        kp = info['keypoint'].astype(np.float32, copy=False)
        m = kp.shape[0]
        if m < self.num_person:
            pad = np.zeros((self.num_person - m, ) + kp.shape[1:], kp.dtype)
            kp = np.concatenate([kp, pad])
        info['keypoint'] = np.ascontiguousarray(kp[:self.num_person])
        return info
