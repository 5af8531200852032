"""Several separately augmented views of one sample."""
import zlib
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose

from ...skeleton import CLIP_LENGTH
from ...structures import JOINT_MASK, KEYPOINT
from .seeded import (CallGroups, KeyedGenerator, SeededTransform,
                     _current_epoch)

#: First word of every view's stream (after the key of the sample).
VIEW_STREAM = zlib.crc32(b'MultiView')

#: What a view keeps of its pipeline's results (the fields of one sample's
#: view of :mod:`pstl_mm.structures.skeleton_views`, and the frames MATM
#: kept, which are shown by tools/visualize.py but not packed).
SAMPLE_VIEW_FIELDS = (KEYPOINT, JOINT_MASK, 'kept_frames')


def copy_sample(results: Dict) -> Dict:
    """A copy of ``results`` for one view: arrays copied, the rest shared.

    The transforms replace the values they change rather than writing into
    them, so strings, numbers and other values can be shared; arrays (e.g.
    ``keypoint`` (M, T, V, C)) are copied anyway, so that no transform can
    change the caller's.

    Args:
        results (dict): The sample.

    Returns:
        dict: A new dict with the same keys.
    """
    return {
        key: value.copy() if isinstance(value, np.ndarray) else value
        for key, value in results.items()
    }


def _draws_from_view(transform) -> bool:
    """Whether ``transform`` draws from its view's generator in a view."""
    return isinstance(transform,
                      SeededTransform) and transform.draws_from_view


@TRANSFORMS.register_module()
class MultiView(BaseTransform):
    """Run one sub-pipeline per named view on copies of the same sample.

    Each view is augmented separately from the same sample with its own
    random draws. The result keeps the sample's metadata (``keypoint``
    excluded) and adds ``results['views']``, a dict view name -> the view:
    ``keypoint`` (M, T', V, C) and, where the view's pipeline made them,
    ``joint_mask`` ((V,) bool, True = removed) and ``kept_frames`` ((T',)
    int, the frames a temporal mask kept), in the order of ``views``.
    :class:`PackViews` packs whatever views and masks are there. The
    caller's ``results`` is not changed.

    Random draws: for a sample of a dataset (``results['sample_idx']``
    set), view number v gets one generator, restarted from the key
    ``(seeds, epoch, sample_idx, VIEW_STREAM, v)`` (:class:`KeyedGenerator`),
    where ``seeds`` are the distinct seeds of the view's seeded transforms
    in order of appearance (one, the run's seed, unless a config sets
    others); these transforms draw from it one after the other, in pipeline
    order (:meth:`SeededTransform.apply`), so each one's draws are set by
    the seed, the epoch, the sample, the view and its position in it. As
    for :class:`SeededTransform`, they depend on nothing else (worker,
    number of workers or ranks, loading order, other samples) and a resumed
    run draws what the uninterrupted one would have. With ``share_batch=B >
    0`` the key is ``(seeds, epoch, worker + 1, group, VIEW_STREAM, v)`` for
    consecutive groups of B calls in a process, so every sample of a batch
    gets the same parameters. Without ``sample_idx`` (and ``share_batch=0``)
    each transform continues its own sequential stream (its class, the view
    and its position). Transforms whose
    :attr:`~SeededTransform.draws_from_view` is False (e.g.
    :class:`PartialBodyOcclusion`) keep their own per-call generators.

    Every sample must have ``num_frames`` frames: the views are made for
    that length (MATM keeps 30 of the paper's 50 frames; a longer clip would
    keep more, and be zero-padded in the batch). A clip of raw length needs
    the converters or :class:`AimCLRPreprocess` first (3-D), or
    :class:`PSTLUniformSampleFrames` and MMAction2's ``PoseDecode`` (2-D
    pickles).

    Args:
        views (dict[str, list[dict]]): View name -> transform configs.
        share_batch (int): 0 (default) draws every random parameter per
            sample; the batch size draws one set per batch for every seeded
            transform inside, as the authors' code does (see
            :class:`SeededTransform`).
        num_frames (int, optional): Frames T every sample must have (the
            paper's and the converters' 50); ``None`` accepts any length.
            Defaults to :data:`pstl_mm.skeleton.CLIP_LENGTH` (50).
    """

    def __init__(self,
                 views: Dict[str, List[dict]],
                 share_batch: int = 0,
                 num_frames: Optional[int] = CLIP_LENGTH) -> None:
        if not views:
            raise ValueError('MultiView needs at least one view')
        if share_batch < 0:
            raise ValueError(
                f'MultiView: share_batch must be >= 0, got {share_batch}')
        if num_frames is not None and num_frames < 1:
            raise ValueError(
                f'MultiView: num_frames must be >= 1, got {num_frames}')
        self.num_frames = num_frames
        self.share_batch = int(share_batch)
        self._groups = CallGroups(share_batch) if share_batch else None
        self._keyed = KeyedGenerator()
        self.pipelines = {}
        self._steps = {}
        for v, (name, cfgs) in enumerate(views.items()):
            pipeline = Compose(cfgs)
            for position, transform in enumerate(pipeline.transforms):
                if isinstance(transform, SeededTransform):
                    transform.set_stream(v, position)
                    transform.set_share_batch(share_batch)
            self.pipelines[name] = pipeline
            self._steps[name] = [(t, _draws_from_view(t))
                                 for t in pipeline.transforms]

    @property
    def view_names(self) -> Sequence[str]:
        """The names of the views, in order."""
        return tuple(self.pipelines)

    def _sample_key(self, results: Dict) -> Optional[List[int]]:
        """``[epoch, sample_idx]`` or ``[epoch, worker + 1, group]``.

        ``None`` when the transforms draw from their own sequential streams
        (no ``sample_idx`` and ``share_batch=0``).
        """
        if self._groups is not None:
            return self._groups.next_key(_current_epoch())
        sample_idx = results.get('sample_idx')
        if sample_idx is None:
            return None
        return [_current_epoch(), int(sample_idx)]

    def _view_rng(self, steps: Sequence, key: Optional[List[int]],
                  v: int) -> Optional[np.random.Generator]:
        """The generator of view ``v`` for the sample ``key``, if any.

        Args:
            steps (list): The view's ``(transform, draws_from_view)``.
            key (list[int], optional): See :meth:`_sample_key`.
            v (int): The view's number.

        Returns:
            np.random.Generator, optional: ``None`` without a key or
            without a transform drawing from the view.
        """
        if key is None:
            return None
        seeds = list(
            dict.fromkeys(t.seed for t, from_view in steps if from_view))
        if not seeds:
            return None
        return self._keyed.restart(seeds + key + [VIEW_STREAM, v])

    @staticmethod
    def _run_view(steps: Sequence, results: Dict,
                  rng: Optional[np.random.Generator]) -> Optional[Dict]:
        """Run a view's transforms; those drawing from the view use ``rng``.

        Args:
            steps (list): The view's ``(transform, draws_from_view)``.
            results (dict): The view's copy of the sample.
            rng (np.random.Generator, optional): The view's generator;
                ``None``: every transform draws as if called on its own.

        Returns:
            dict, optional: The view, or ``None`` as soon as a transform
            gives ``None`` (as ``Compose``).
        """
        for transform, from_view in steps:
            if from_view and rng is not None:
                results = transform.apply(results, rng)
            else:
                results = transform(results)
            if results is None:
                return None
        return results

    def transform(self, results: Dict) -> Optional[Dict]:
        """Make every view of ``results``.

        Args:
            results (dict): The sample, ``keypoint`` (M, T, V, C); left
                unchanged.

        Returns:
            dict: The sample's other keys and ``views`` (view name ->
            ``keypoint`` and, where made, ``joint_mask`` and
            ``kept_frames``), or ``None`` if a view's pipeline gave
            ``None``.

        Raises:
            ValueError: naming the sample: it does not have ``num_frames``
                frames.
        """
        frames = np.shape(results['keypoint'])[1]
        if self.num_frames is not None and frames != self.num_frames:
            raise ValueError(
                f'MultiView on sample {results.get("frame_dir")!r}: '
                f'{frames} frames, the views expect {self.num_frames} '
                '(convert the raw clips with tools/data/convert.py, or put '
                'AimCLRPreprocess before MultiView)')
        key = self._sample_key(results)
        out = {k: v for k, v in results.items() if k != 'keypoint'}
        views = {}
        for v, (name, steps) in enumerate(self._steps.items()):
            view = self._run_view(steps, copy_sample(results),
                                  self._view_rng(steps, key, v))
            if view is None:
                return None
            views[name] = {
                field: view[field]
                for field in SAMPLE_VIEW_FIELDS if field in view
            }
        out['views'] = views
        return out

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(views={list(self.pipelines)}, '
                f'num_frames={self.num_frames})')
