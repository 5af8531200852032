"""Skeleton views and their joint masks: the one format of the project.

A *view* is one augmented version of the samples, a dict:

* ``keypoint``: float coordinates, (M, T, V, C) for one sample (what
  :class:`~pstl_mm.datasets.transforms.PackViews` makes), (N, M, T, V, C)
  for a batch (what :class:`~pstl_mm.models.ViewsDataPreprocessor` makes
  and ``PSTL.loss`` takes);
* ``joint_mask`` (optional): bool, (V,) for one sample, (N, V) for a batch,
  True for a joint removed from the computation;
* ``kept_joints`` (optional, batches only): what the batch's former found
  out about ``joint_mask`` where the mask still was on the host, so that
  the encoder picks its path without asking the device (see
  :func:`kept_joints` and :class:`~pstl_mm.models.MaskableSTGCN`).

A set of views is a dict view name -> view; a bare tensor stands for a view
without a mask. :func:`check_views` reads a set of views and refuses other
forms (e.g. the masks as entries of their own) with the offending key named.
"""
import inspect
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch

#: The fields of a view.
KEYPOINT = 'keypoint'
JOINT_MASK = 'joint_mask'
KEPT_JOINTS = 'kept_joints'
VIEW_FIELDS = (KEYPOINT, JOINT_MASK, KEPT_JOINTS)

#: ``kept_joints`` of a mask whose samples keep different numbers of joints.
RAGGED = 'ragged'

#: The type of ``kept_joints``: index tensor or :data:`RAGGED`.
KeptJoints = Union[torch.Tensor, str]


def kept_joints(joint_mask: torch.Tensor,
                where: str = 'joint_mask') -> KeptJoints:
    """What the encoder needs to know of a batch's joint mask.

    Computed once per mask, where the mask is (on the host when the batch
    is formed); one synchronisation if the mask is on a device.

    Args:
        joint_mask (torch.Tensor): (N, V) bool, True = removed.
        where (str): How an error names the mask.

    Returns:
        torch.Tensor | str: ``(V_kept,)`` int64 indices of the kept joints
        when every sample has the same mask; ``(N, V_kept)`` int64 indices
        per sample, ascending, when every sample keeps the same number of
        joints; :data:`RAGGED` otherwise.

    Raises:
        ValueError: The mask is not a 2-D bool tensor, or removes every
            joint of a sample (the samples are named).
    """
    if joint_mask.dtype != torch.bool or joint_mask.dim() != 2:
        raise ValueError(f'{where}: expected an (N, V) bool mask, got dtype '
                         f'{joint_mask.dtype} and shape '
                         f'{tuple(joint_mask.shape)}')
    mask = joint_mask.cpu()
    counts = (~mask).sum(dim=1)
    if (counts == 0).any():
        bad = torch.nonzero(counts == 0).flatten().tolist()
        raise ValueError(f'{where} removes every joint of sample(s) {bad}')
    if bool((mask == mask[:1]).all()):
        return torch.nonzero(~mask[0]).flatten().to(joint_mask.device)
    if bool((counts == counts[0]).all()):
        index = torch.nonzero(~mask)[:, 1].view(mask.shape[0], -1)
        return index.to(joint_mask.device)
    return RAGGED


def check_kept_joints(kept: KeptJoints, num_samples: int, num_joints: int,
                      where: str) -> None:
    """Check the form (not the values) of ``kept_joints``; no device sync.

    Args:
        kept (torch.Tensor | str): See :func:`kept_joints`.
        num_samples (int): N of the batch.
        num_joints (int): V of the batch.
        where (str): How an error names it.

    Raises:
        ValueError: ``kept`` is none of the forms of :func:`kept_joints`.
    """
    if isinstance(kept, str):
        if kept != RAGGED:
            raise ValueError(f'{where}: kept_joints must be an index tensor '
                             f'or {RAGGED!r}, got {kept!r}')
        return
    if not isinstance(kept, torch.Tensor) or kept.dtype != torch.int64:
        raise ValueError(f'{where}: kept_joints must be an int64 tensor, got '
                         f'{getattr(kept, "dtype", type(kept).__name__)}')
    if not (kept.dim() == 1 or
            (kept.dim() == 2 and kept.shape[0] == num_samples)) or not (
                0 < kept.shape[-1] <= num_joints):
        raise ValueError(
            f'{where}: kept_joints must be (V_kept,) or (N, V_kept) = '
            f'({num_samples}, V_kept) with 0 < V_kept <= {num_joints}, got '
            f'{tuple(kept.shape)}')


def batch_view(keypoint: torch.Tensor,
               joint_mask: Optional[torch.Tensor] = None,
               where: str = 'view') -> Dict[str, KeptJoints]:
    """A batched view, with the ``kept_joints`` of its mask.

    Args:
        keypoint (torch.Tensor): (N, M, T, V, C) coordinates.
        joint_mask (torch.Tensor, optional): (N, V) bool, True = removed;
            best on the host (see :func:`kept_joints`).
        where (str): How an error names the view.

    Returns:
        dict: ``keypoint`` and, with a mask, ``joint_mask`` and
        ``kept_joints``.
    """
    view = {KEYPOINT: keypoint}
    if joint_mask is not None:
        view[JOINT_MASK] = joint_mask
        view[KEPT_JOINTS] = kept_joints(joint_mask, where)
    return view


def batch_joint_masks(masks: Sequence,
                      num_joints: int,
                      where: str = 'joint_mask',
                      device: Optional[torch.device] = None
                      ) -> Optional[Dict[str, KeptJoints]]:
    """Per-sample masks -> the encoder's mask arguments for the batch.

    Args:
        masks (Sequence): One (V,) bool array or tensor per sample (on the
            host), or ``None`` for a sample that keeps every joint.
        num_joints (int): V.
        where (str): How an error names the masks.
        device (torch.device, optional): Where the result goes, once
            worked out on the host.

    Returns:
        dict | None: ``joint_mask`` (N, V) bool and its ``kept_joints``;
        ``None`` when no sample has a mask.

    Raises:
        ValueError: A mask is not (V,), naming the sample.
    """
    if all(mask is None for mask in masks):
        return None
    rows = []
    for i, mask in enumerate(masks):
        if mask is None:
            rows.append(torch.zeros(num_joints, dtype=torch.bool))
            continue
        mask = torch.as_tensor(np.asarray(mask)).to(torch.bool)
        if tuple(mask.shape) != (num_joints, ):
            raise ValueError(f'{where} of sample {i} has shape '
                             f'{tuple(mask.shape)}, expected (V,) = '
                             f'({num_joints},)')
        rows.append(mask)
    joint_mask = torch.stack(rows)
    kept = kept_joints(joint_mask, where)
    if device is not None:
        joint_mask = joint_mask.to(device)
        kept = kept if isinstance(kept, str) else kept.to(device)
    return {JOINT_MASK: joint_mask, KEPT_JOINTS: kept}


_SIGNATURES: Dict[Tuple[type, str], frozenset] = {}


@torch.compiler.assume_constant_result
def _takes(cls: type, method: str, argument: str) -> bool:
    """Whether ``cls.<method>`` names ``argument`` (read once per class; a
    constant of the class to ``torch.compile``)."""
    key = (cls, method)
    if key not in _SIGNATURES:
        _SIGNATURES[key] = frozenset(
            inspect.signature(getattr(cls, method)).parameters)
    return argument in _SIGNATURES[key]


def mask_arguments(module, method: str, view: Dict,
                   where: str) -> Dict[str, KeptJoints]:
    """The keyword arguments that carry ``view``'s mask to ``module``.

    The one place where a view's mask fields become an encoder's (or a
    head's) arguments: ``joint_mask`` where the view has one, and
    ``kept_joints`` where the view has them and ``module.<method>`` takes
    them (an encoder that does not works the path out from the mask).

    Args:
        module (nn.Module): The encoder or head.
        method (str): The method to be called, e.g. ``'forward'``.
        view (dict): A view (only ``joint_mask`` and ``kept_joints`` are
            read).
        where (str): How an error names the caller.

    Returns:
        dict: ``{}`` without a mask, else ``joint_mask`` and possibly
        ``kept_joints``.

    Raises:
        ValueError: The view has a mask but ``module.<method>`` takes no
            ``joint_mask`` argument.
    """
    if view.get(JOINT_MASK) is None:
        return {}
    cls = type(module)
    if not _takes(cls, method, JOINT_MASK):
        raise ValueError(f'{where}: a joint_mask is given but '
                         f'{cls.__name__} takes no joint_mask argument (in '
                         f'{method}); use an encoder of the contract (SkeletonEncoder: '
                         'MaskableSTGCN, MaskedBackbone) and MaskedGCNHead')
    kwargs = {JOINT_MASK: view[JOINT_MASK]}
    if view.get(KEPT_JOINTS) is not None and _takes(cls, method, KEPT_JOINTS):
        kwargs[KEPT_JOINTS] = view[KEPT_JOINTS]
    return kwargs


def check_views(inputs, where: str = 'views') -> Dict[str, dict]:
    """Read a set of views: view name -> view dict (or a bare tensor).

    Args:
        inputs (dict): View name -> ``dict(keypoint=..., joint_mask=...,
            kept_joints=...)`` (mask and indices optional) or a keypoint
            tensor (a view without a mask).
        where (str): How an error names the caller.

    Returns:
        dict[str, dict]: Every view as a dict with ``keypoint``, in order.

    Raises:
        TypeError: ``inputs`` is not a dict, or a value is neither a tensor
            nor a dict (the key is named).
        ValueError: A key names a joint mask as a view of its own (the old
            flat form), a view has no ``keypoint``, has a field of another
            name, or a keypoint that is not a floating-point tensor.
    """
    if not isinstance(inputs, dict):
        raise TypeError(f'{where}: expected a dict view name -> view, got '
                        f'{type(inputs).__name__}')
    if not inputs:
        raise ValueError(f'{where}: no views in the inputs')
    views = {}
    for name, value in inputs.items():
        if str(name).endswith('_' + JOINT_MASK):
            raise ValueError(
                f'{where}: key {name!r} looks like a joint mask stored as a '
                f'view of its own; a mask goes inside its view: '
                f"{{'spatial': dict(keypoint=..., joint_mask=...)}}")
        if isinstance(value, torch.Tensor):
            value = {KEYPOINT: value}
        elif not isinstance(value, dict):
            raise TypeError(
                f'{where}: view {name!r} must be a keypoint tensor or a dict '
                f'with {VIEW_FIELDS}, got {type(value).__name__}')
        unknown = sorted(set(value) - set(VIEW_FIELDS))
        if unknown or KEYPOINT not in value:
            raise ValueError(
                f'{where}: view {name!r} must have {KEYPOINT!r} and '
                f'optionally {JOINT_MASK!r} and {KEPT_JOINTS!r}; it has '
                f'{sorted(value)}')
        keypoint = value[KEYPOINT]
        if not (isinstance(keypoint, torch.Tensor)
                and keypoint.is_floating_point()):
            raise ValueError(
                f'{where}: the keypoint of view {name!r} must be a '
                'floating-point tensor, got '
                f'{getattr(keypoint, "dtype", type(keypoint).__name__)}')
        if KEPT_JOINTS in value and JOINT_MASK not in value:
            raise ValueError(f'{where}: view {name!r} has {KEPT_JOINTS!r} '
                             f'but no {JOINT_MASK!r}')
        views[name] = value
    return views
