"""Random transforms with their own seeded generator."""
import zlib
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform


def _current_epoch() -> int:
    """The epoch MMEngine's RuntimeInfoHook last recorded (0 before any)."""
    from mmengine.logging import MessageHub
    return int(MessageHub.get_current_instance().get_info('epoch', 0) or 0)


class SeededTransform(BaseTransform):
    """Base of every random transform of this package.

    Each transform draws from its own :class:`numpy.random.Generator`, never
    from numpy's global RNG, so a run is reproducible from its config:

    * For a sample of a dataset (``results['sample_idx']`` set, as MMEngine's
      datasets do), every call gets a fresh generator seeded by
      ``(seed, epoch, sample_idx, stream)``: the draws for a sample depend on
      nothing else — not on the worker that loads it, the number of workers
      or ranks, or the order of loading — and a resumed run draws what the
      uninterrupted one would have. ``epoch`` is read from MMEngine's message
      hub, so workers must be re-created each epoch
      (``persistent_workers=False``, as in this package's configs).
    * Without ``sample_idx`` (a transform used on its own), draws continue
      one sequential stream seeded by ``(seed, stream)``.

    * With ``share_batch=B > 0`` (the authors' behaviour: one draw per
      batch), consecutive groups of B calls in a process share one
      generator seeded by ``(seed, epoch, worker, group, stream)``. A data
      loader worker loads whole batches one after the other, so with B equal
      to the batch size every sample of a batch gets the same parameters.

    ``seed`` defaults to ``torch.initial_seed()`` when the transform is
    built, i.e. the run's ``randomness.seed`` once MMEngine's runner has set
    it. The *stream* is the class name and, inside a :class:`MultiView`, the
    view and position, so two transforms of one class draw independently.

    Args:
        seed (int, optional): Fixed seed; ``None`` takes the run's seed.
        share_batch (int): Share one draw among this many consecutive
            samples (the batch size); 0 draws per sample. Defaults to 0.
    """

    def __init__(self,
                 seed: Optional[int] = None,
                 share_batch: int = 0) -> None:
        self.seed = int(torch.initial_seed()) if seed is None else int(seed)
        self.set_share_batch(share_batch)
        self._stream: Tuple[int, ...] = (zlib.crc32(
            type(self).__name__.encode()), )
        self._sequential: Optional[np.random.Generator] = None
        self._call_rng: Optional[np.random.Generator] = None

    def set_stream(self, *stream: int) -> None:
        """Give this transform its own sub-stream (e.g. view, position)."""
        self._stream = (zlib.crc32(type(self).__name__.encode()), ) + tuple(
            int(s) for s in stream)
        self._sequential = None

    def set_share_batch(self, share_batch: int) -> None:
        """Share one draw among ``share_batch`` consecutive samples."""
        if share_batch < 0:
            raise ValueError(f'{type(self).__name__}: share_batch must be '
                             f'>= 0, got {share_batch}')
        self.share_batch = int(share_batch)
        self._calls = 0
        self._calls_epoch: Optional[int] = None

    def reseed(self, seed: int) -> None:
        """Restart the generator from ``seed``."""
        self.seed = int(seed)
        self._sequential = None

    def _entropy(self, sample_idx: Optional[int] = None) -> List[int]:
        """Seed entropy of a sample's generator, before the stream.

        ``None``: the sequential stream of a transform used on its own.
        """
        if sample_idx is None:
            return [self.seed]
        return [self.seed, _current_epoch(), int(sample_idx)]

    @property
    def rng(self) -> np.random.Generator:
        """The generator of the current call (see the class docstring)."""
        if self._call_rng is not None:
            return self._call_rng
        if self._sequential is None:
            self._sequential = np.random.default_rng(
                self._entropy() + list(self._stream))
        return self._sequential

    def __call__(self, results: Dict) -> Optional[Dict]:
        """Run :meth:`transform` with the sample's own generator."""
        sample_idx = results.get('sample_idx')
        if self.share_batch > 0:
            self._call_rng = self._batch_rng()
        elif sample_idx is not None:
            self._call_rng = np.random.default_rng(
                self._entropy(sample_idx) + list(self._stream))
        else:
            return super().__call__(results)
        try:
            return super().__call__(results)
        finally:
            self._call_rng = None

    def _batch_rng(self) -> np.random.Generator:
        """The generator shared by the current group of ``share_batch``."""
        epoch = _current_epoch()
        if epoch != self._calls_epoch:
            self._calls, self._calls_epoch = 0, epoch
        group = self._calls // self.share_batch
        self._calls += 1
        info = torch.utils.data.get_worker_info()
        worker = -1 if info is None else info.id
        return np.random.default_rng(
            [self.seed, epoch, worker + 1, group, *self._stream])

    def _where(self, results: Dict) -> str:
        """``'<class> on sample <frame_dir>'``, for error messages."""
        name = results.get('frame_dir', '<unnamed>')
        return f'{type(self).__name__} on sample {name!r}'

    def _keypoint(self, results: Dict, layout=None) -> np.ndarray:
        """Return ``results['keypoint']``, checked to be (M, T, V, C).

        Args:
            results (dict): The sample.
            layout (SkeletonLayout, optional): V must equal its joints.

        Raises:
            ValueError: The key is missing, the array is not 4-D, or V
                differs from the layout's number of joints.
        """
        keypoint = results.get('keypoint')
        if keypoint is None:
            raise ValueError(f'{self._where(results)}: no "keypoint"')
        keypoint = np.asarray(keypoint)
        if keypoint.ndim != 4:
            raise ValueError(f'{self._where(results)}: "keypoint" must be '
                             f'(M, T, V, C), got shape {keypoint.shape}')
        if layout is not None and keypoint.shape[2] != layout.num_joints:
            raise ValueError(
                f'{self._where(results)}: {keypoint.shape[2]} joints, layout '
                f'{layout.name!r} has {layout.num_joints}')
        return keypoint
