"""Pooled encoder features of skeleton clips."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

ClipsType = Union[np.ndarray, Sequence[np.ndarray]]


def _check_clip(i: int, clip, encoder) -> np.ndarray:
    """Validate clip ``i`` (M, T, V, C); pad persons to the encoder's M.

    Raises:
        ValueError: Wrong number of dimensions, joints, channels or persons,
            no frames, or non-finite coordinates; the message names clip
            ``i``.
    """
    clip = np.asarray(clip, dtype=np.float32)
    num_joints = encoder.layout.num_joints
    expected = (f'(M, T, {num_joints}, {encoder.in_channels}) for layout '
                f'{encoder.layout.name!r}')
    if clip.ndim != 4:
        raise ValueError(f'clip {i}: expected {expected}, got shape '
                         f'{clip.shape}')
    m, t, v, c = clip.shape
    if v != num_joints or c != encoder.in_channels:
        raise ValueError(f'clip {i}: has {v} joints and {c} channels, '
                         f'expected {expected}')
    if t < 1 or m < 1:
        raise ValueError(f'clip {i}: shape {clip.shape} has no frames or no '
                         'person')
    if m > encoder.num_person:
        raise ValueError(f'clip {i}: {m} persons, the encoder takes at most '
                         f'{encoder.num_person}')
    if not np.isfinite(clip).all():
        raise ValueError(f'clip {i}: coordinates are not all finite')
    if m < encoder.num_person:  # zero persons, as FormatGCNInput pads
        pad = np.zeros((encoder.num_person - m, t, v, c), np.float32)
        clip = np.concatenate([clip, pad])
    return clip


def _masks(joint_mask, count: int, num_joints: int) -> List:
    """One (V,) bool mask (or ``None``) per clip."""
    if joint_mask is None:
        return [None] * count
    mask = np.asarray(joint_mask)
    if mask.dtype != bool:
        raise ValueError('joint_mask must be bool (True = removed), got '
                         f'dtype {mask.dtype}')
    if mask.shape == (num_joints, ):
        return [mask] * count
    if mask.shape != (count, num_joints):
        raise ValueError(f'joint_mask must have shape ({num_joints},) or '
                         f'({count}, {num_joints}), got {mask.shape}')
    return list(mask)


def extract_features(encoder,
                     clips: ClipsType,
                     joint_mask=None,
                     batch_size: int = 64,
                     progress: bool = False) -> np.ndarray:
    """Pooled (over time, kept joints and persons) features of clips.

    The encoder is in eval mode (see :func:`init_encoder`), so a clip's
    features do not depend on the other clips of its batch: they are the
    same for a clip alone as inside a batch. Clips may differ in length
    (those of one length are batched together) and in persons (padded with
    zero persons to the encoder's ``num_person``, as MMAction2's
    ``FormatGCNInput`` does).

    Args:
        encoder (SkeletonEncoder): The encoder, e.g. from
            :func:`init_encoder`.
        clips (np.ndarray | list[np.ndarray]): N clips (M, T, V, C), as a
            list or an (N, M, T, V, C) array.
        joint_mask (np.ndarray, optional): (V,) or (N, V) bool, True =
            joint removed from the computation.
        batch_size (int): Clips per forward pass. Defaults to 64.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        np.ndarray: (N, C_out) float32 features (C_out = 256 for PSTL).

    Raises:
        ValueError: A clip does not fit the encoder (the message names it),
            or the mask has the wrong shape or dtype.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    clips = [_check_clip(i, clip, encoder) for i, clip in enumerate(clips)]
    masks = _masks(joint_mask, len(clips), encoder.layout.num_joints)
    out = np.zeros((len(clips), encoder.out_channels), np.float32)
    by_length: Dict[int, List[int]] = {}
    for i, clip in enumerate(clips):
        by_length.setdefault(clip.shape[1], []).append(i)
    chunks = [
        indices[start:start + batch_size]
        for indices in by_length.values()
        for start in range(0, len(indices), batch_size)
    ]
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(clips))
    device = next(encoder.parameters()).device
    for chunk in chunks:
        x = torch.from_numpy(np.stack([clips[i] for i in chunk]))
        mask = None
        if joint_mask is not None:
            mask = torch.from_numpy(np.stack([masks[i] for i in chunk]))
            mask = mask.to(device)
        with torch.no_grad():
            feats = encoder.forward_pooled(x.to(device), mask)
        out[chunk] = feats.float().cpu().numpy()
        if bar is not None:
            for _ in chunk:
                bar.update()
    return out


def build_clip_dataset(config, ann_file: Optional[str] = None,
                       split: Optional[str] = None):
    """The config's test (else training) dataset, as raw clips.

    The pipeline is emptied (the stream transforms of ``stream=`` stay), so
    every item is the sample dict with ``keypoint`` (M, T, V, C),
    ``frame_dir`` and ``label``; a labelled subset (``label_fraction``) is
    dropped so that every clip of the split comes back.

    Args:
        config (str | Config): The config file.
        ann_file (str, optional): Replaces the dataset's annotation file.
        split (str, optional): Replaces the dataset's split.

    Returns:
        The built dataset.
    """
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import pstl_mm  # noqa: F401
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    loader = cfg.get('test_dataloader') or cfg.train_dataloader
    data_cfg = loader.dataset.copy()
    data_cfg.pipeline = []
    data_cfg.pop('label_fraction', None)
    if ann_file:
        data_cfg.ann_file = ann_file
    if split:
        data_cfg.split = split
    with DefaultScope.overwrite_default_scope('mmaction'):
        return DATASETS.build(data_cfg)


def dataset_features(encoder, dataset, indices: Optional[Sequence[int]] = None,
                     batch_size: int = 64,
                     progress: bool = False) -> Dict[str, np.ndarray]:
    """Features, names and labels of a dataset's clips.

    Args:
        encoder (SkeletonEncoder): The encoder.
        dataset: As :func:`build_clip_dataset` returns it.
        indices (Sequence[int], optional): The samples; default all.
        batch_size (int): Clips per forward pass.
        progress (bool): Show a progress bar.

    Returns:
        dict: ``features`` (N, C_out) float32, ``names`` (N,) str,
        ``labels`` (N,) int64 (-1 where a sample has no label).
    """
    if indices is None:
        indices = range(len(dataset))
    samples = [dataset[int(i)] for i in indices]
    features = extract_features(encoder, [s['keypoint'] for s in samples],
                                batch_size=batch_size, progress=progress)
    return dict(
        features=features,
        names=np.asarray([str(s.get('frame_dir', i))
                          for i, s in zip(indices, samples)]),
        labels=np.asarray([int(s.get('label', -1)) for s in samples],
                          np.int64))
