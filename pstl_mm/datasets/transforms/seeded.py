"""Random transforms with their own seeded generator."""
import hashlib
import struct
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform


def _current_epoch() -> int:
    """The epoch MMEngine's RuntimeInfoHook last recorded (0 before any)."""
    from mmengine.logging import MessageHub
    return int(MessageHub.get_current_instance().get_info('epoch', 0) or 0)


class KeyedGenerator:
    """One reusable generator, restarted from a hash of an integer key.

    :meth:`restart` sets the PCG64 state and increment to the 256-bit
    BLAKE2b hash of the key (as little-endian 64-bit words), so equal keys
    give equal draws and different keys independent ones. It takes about
    3 us, where ``np.random.default_rng(key)`` takes about 15 us (hashing a
    :class:`numpy.random.SeedSequence` and building a new generator).
    """

    def __init__(self) -> None:
        self._bit_generator = np.random.PCG64(0)
        self.generator = np.random.Generator(self._bit_generator)

    @staticmethod
    def state_of(key: Sequence[int]) -> Tuple[int, int]:
        """The PCG64 ``(state, inc)`` of ``key``: its BLAKE2b hash.

        Args:
            key (list[int]): Integers in ``[0, 2**64)``.

        Returns:
            tuple[int, int]: The 128-bit state and increment (odd).

        Raises:
            ValueError: An integer is negative or too large.
        """
        try:
            data = struct.pack(f'<{len(key)}Q', *key)
        except struct.error:
            raise ValueError('generator key must hold integers in '
                             f'[0, 2**64), got {list(key)}') from None
        digest = hashlib.blake2b(data, digest_size=32).digest()
        return (int.from_bytes(digest[:16], 'little'),
                int.from_bytes(digest[16:], 'little') | 1)

    def restart(self, key: Sequence[int]) -> np.random.Generator:
        """Restart from ``key``; return the generator (the same object).

        Args:
            key (list[int]): Integers in ``[0, 2**64)``.

        Returns:
            np.random.Generator: The restarted generator; a later restart
            moves it, so draw from it before the next one.
        """
        state, inc = self.state_of(key)
        self._bit_generator.state = {
            'bit_generator': 'PCG64',
            'state': {'state': state, 'inc': inc},
            'has_uint32': 0,
            'uinteger': 0,
        }
        return self.generator


class CallGroups:
    """Numbers the calls of this process in groups of ``size`` consecutive.

    The count restarts when the epoch changes. Used by ``share_batch`` mode:
    a data loader worker loads whole batches one after the other, so with
    ``size`` the batch size, the calls of one group are one batch.

    Args:
        size (int): Calls per group, ``> 0``.
    """

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self._calls = 0
        self._epoch: Optional[int] = None

    def next_key(self, epoch: int) -> List[int]:
        """Count one call; return ``[epoch, worker + 1, group]`` of it.

        ``worker`` is the data loader worker's id, -1 in the main process.
        """
        if epoch != self._epoch:
            self._calls, self._epoch = 0, epoch
        group = self._calls // self.size
        self._calls += 1
        info = torch.utils.data.get_worker_info()
        worker = -1 if info is None else info.id
        return [epoch, worker + 1, group]


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

    Inside a :class:`MultiView`, a transform with :attr:`draws_from_view`
    (the default) does not make a generator per call: the view makes one per
    sample (or group, with ``share_batch``) and view, keyed by the seed, the
    epoch, the sample index (or group) and the view, and its transforms draw
    from it one after the other (:meth:`apply`); see :class:`MultiView`.

    Args:
        seed (int, optional): Fixed seed; ``None`` takes the run's seed.
        share_batch (int): Share one draw among this many consecutive
            samples (the batch size); 0 draws per sample. Defaults to 0.
    """

    #: Whether, inside a :class:`MultiView`, the transform draws from the
    #: view's generator (False: it keeps its own per-call generator).
    draws_from_view = True

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
        self._groups = CallGroups(share_batch) if share_batch else None

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

    def apply(self, results: Dict, rng: np.random.Generator) -> Optional[Dict]:
        """Run :meth:`transform` drawing from ``rng`` (a view's generator).

        Args:
            results (dict): The sample.
            rng (np.random.Generator): The generator to draw from; it is
                left where this transform's draws end.

        Returns:
            dict: What :meth:`transform` returns.
        """
        self._call_rng = rng
        try:
            return self.transform(results)
        finally:
            self._call_rng = None

    def _batch_rng(self) -> np.random.Generator:
        """The generator shared by the current group of ``share_batch``."""
        key = self._groups.next_key(_current_epoch())
        return np.random.default_rng([self.seed, *key, *self._stream])

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
        if not isinstance(keypoint, np.ndarray):
            keypoint = np.asarray(keypoint)
        if keypoint.ndim != 4:
            raise ValueError(f'{self._where(results)}: "keypoint" must be '
                             f'(M, T, V, C), got shape {keypoint.shape}')
        if layout is not None and keypoint.shape[2] != layout.num_joints:
            raise ValueError(
                f'{self._where(results)}: {keypoint.shape[2]} joints, layout '
                f'{layout.name!r} has {layout.num_joints}')
        return keypoint
