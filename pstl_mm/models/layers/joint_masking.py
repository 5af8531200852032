"""Layers that take removed joints out of a graph network they sit in.

A network built of 1x1 / temporal ``Conv2d`` layers, BatchNorms and
joint-wise operations on (N, C, T, V) features (MMAction2's skeleton
backbones) is given joint masks without changing its code:
:func:`install_joint_masking` swaps the class of each of its ``Conv2d`` and
BatchNorm modules for a masked subclass (same parameters, buffers and
state-dict keys) that reads the mask of the call in progress from one shared
:class:`JointMaskState`:

* :class:`MaskedConv2d` re-zeroes its output at removed joints, so that a
  bias never turns a removed joint's zero features into a message;
* :class:`MaskedBatchNorm2d` (and :class:`MaskedSyncBatchNorm` on (N, C, T, V)
  input) takes its train-mode statistics over kept joints only
  (:func:`~pstl_mm.models.layers.masked_batch_norm_2d`) and is zero at
  removed joints;
* :class:`MaskedBatchNorm1d` (the input's ``data_bn`` over V*C or M*V*C
  channels) counts, per channel, the rows where the channel's joint is kept
  (:func:`~pstl_mm.models.layers.masked_batch_norm_1d`) and is zero at
  removed joints.

Outside a masked call (``state.keep is None``) every one of them is its
torch class exactly. The state is a plain object held by every layer, so
``copy.deepcopy`` of the network copies it once and the copy is independent.
"""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
import torch.nn as nn

from .masked_batch_norm import masked_batch_norm_1d, masked_batch_norm_2d


class JointMaskState:
    """The joint mask of the masked call in progress, shared by the layers.

    Attributes:
        keep (torch.Tensor | None): (R, 1, 1, V) 0/1 float mask of the
            (N*M, C, T, V) features, 1 for a kept joint; ``None`` outside a
            masked call.
        rows (torch.Tensor | None): (R', F, 1) 0/1 float mask of the
            ``data_bn`` input (R' rows of F joint-coordinate channels), 1
            where the channel's joint is kept; ``None`` when there is none.

    Also a forward hook (:meth:`__call__`): registered on a module whose
    (R, C, T', V) output must be zero at removed joints.
    """

    def __init__(self) -> None:
        self.keep: Optional[torch.Tensor] = None
        self.rows: Optional[torch.Tensor] = None

    @contextmanager
    def masking(self, keep: torch.Tensor,
                rows: Optional[torch.Tensor] = None) -> Iterator[None]:
        """Make ``keep`` and ``rows`` the mask of the layers for a call.

        Args:
            keep (torch.Tensor): (R, 1, 1, V) float, 1 for a kept joint.
            rows (torch.Tensor, optional): (R', F, 1) float ``data_bn``
                mask.

        Raises:
            RuntimeError: A masked call is already in progress.
        """
        if self.keep is not None:
            raise RuntimeError('JointMaskState: a masked call is already in '
                               'progress (masked calls do not nest)')
        self.keep, self.rows = keep, rows
        try:
            yield
        finally:
            self.keep = self.rows = None

    def zero_removed(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` with its removed joints zeroed (``x`` outside a call).

        Args:
            x (torch.Tensor): (R, C, T', V) features.

        Returns:
            torch.Tensor: (R, C, T', V), in ``x``'s dtype.
        """
        keep = self.keep
        if keep is None:
            return x
        return x * keep.to(x.dtype)

    def __call__(self, module: nn.Module, args,
                 output: torch.Tensor) -> Optional[torch.Tensor]:
        """Forward hook: the module's output zeroed at removed joints.

        Returns ``None`` (output unchanged) outside a masked call.
        """
        if self.keep is None:
            return None
        return self.zero_removed(output)


class _JointMasked:
    """Mixin of the masked layers: the shared state they read."""

    joint_mask_state: JointMaskState


class MaskedConv2d(_JointMasked, nn.Conv2d):
    """``nn.Conv2d`` whose (R, C, T', V) output is zero at removed joints.

    Only for convolutions that keep joints apart (kernel width and stride
    1, no padding along V).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve; zero the removed joints of a masked call.

        Args:
            x (torch.Tensor): (R, C_in, T, V) features.

        Returns:
            torch.Tensor: (R, C_out, T', V).
        """
        return self.joint_mask_state.zero_removed(super().forward(x))


class _MaskedNorm(_JointMasked):
    """Masked statistics of a BatchNorm during a masked call."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise; over kept joints only during a masked call.

        Args:
            x (torch.Tensor): (R, C, T, V) features (mask ``state.keep``)
                or (R', F, T) ``data_bn`` input (mask ``state.rows``).

        Returns:
            torch.Tensor: Same shape; during a masked call zero at removed
            joints.

        Raises:
            ValueError: A masked call whose mask does not fit ``x``.
        """
        state = self.joint_mask_state
        if state.keep is None:
            return super().forward(x)
        if x.dim() == 4:
            return masked_batch_norm_2d(self, x, state.keep)
        rows = state.rows
        if x.dim() == 3 and rows is not None and rows.shape[:2] == x.shape[:2]:
            return masked_batch_norm_1d(self, x, rows) * rows
        raise ValueError(
            f'{type(self).__name__}: no joint mask fits an input of shape '
            f'{tuple(x.shape)} (masks: keep '
            f'{tuple(state.keep.shape)}, rows '
            f'{None if rows is None else tuple(rows.shape)})')


class MaskedBatchNorm1d(_MaskedNorm, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` of a ``data_bn``, with masked statistics."""


class MaskedBatchNorm2d(_MaskedNorm, nn.BatchNorm2d):
    """``nn.BatchNorm2d``, over kept joints only in a masked call."""


class MaskedSyncBatchNorm(_MaskedNorm, nn.SyncBatchNorm):
    """``nn.SyncBatchNorm``; a masked call takes the process's statistics
    over kept joints (no synchronisation), plain calls synchronise."""


#: torch class -> its masked subclass (exact classes only).
MASKED_CLASSES = {
    nn.Conv2d: MaskedConv2d,
    nn.BatchNorm1d: MaskedBatchNorm1d,
    nn.BatchNorm2d: MaskedBatchNorm2d,
    nn.SyncBatchNorm: MaskedSyncBatchNorm,
}

#: Layers that mix joints in a way no masked subclass undoes.
_UNMASKABLE = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm,
               nn.LocalResponseNorm, nn.modules.conv._ConvNd)
#: Left as they are: they run on pooled (N, C, L) features.
_LEFT_ALONE = (nn.Conv1d, )


def install_joint_masking(module: nn.Module, state: JointMaskState,
                          where: str = 'install_joint_masking') -> int:
    """Give every ``Conv2d`` and BatchNorm of ``module`` its masked class.

    Swaps the class of each exact ``nn.Conv2d``, ``nn.BatchNorm1d``,
    ``nn.BatchNorm2d`` and ``nn.SyncBatchNorm`` for its subclass of
    :data:`MASKED_CLASSES` and points it to ``state``; layers already masked
    are pointed to ``state``. Idempotent, so it also masks layers swapped in
    later (e.g. the ``SyncBatchNorm`` of MMEngine's ``sync_bn``).

    ``Conv1d`` layers (they run on pooled features, e.g. AAGCN's attention)
    are left as they are; a ``Conv2d`` spanning joints, any other
    convolution class and any other normalisation layer are refused.

    Args:
        module (nn.Module): The network.
        state (JointMaskState): The state the layers read.
        where (str): How an error names the caller.

    Returns:
        int: The number of layers whose class was swapped now.

    Raises:
        ValueError: A normalisation layer or 2-D convolution that cannot be
            masked (named, with its class).
    """
    swapped = 0
    for name, layer in module.named_modules():
        cls = type(layer)
        if isinstance(layer, _JointMasked):
            if layer.joint_mask_state is not state:
                layer.joint_mask_state = state
            continue
        masked = MASKED_CLASSES.get(cls)
        if masked is MaskedConv2d:
            if (layer.kernel_size[1], layer.stride[1],
                    layer.padding[1]) != (1, 1, 0):
                raise ValueError(
                    f'{where}: {name} ({cls.__name__}, kernel '
                    f'{layer.kernel_size}, stride {layer.stride}, padding '
                    f'{layer.padding}) spans joints; a masked Conv2d must '
                    'have kernel width and stride 1 and no padding along V')
        if masked is not None:
            layer.__class__ = masked
            layer.joint_mask_state = state
            swapped += 1
        elif isinstance(layer, _UNMASKABLE) and not isinstance(
                layer, _LEFT_ALONE):
            raise ValueError(
                f'{where}: cannot take removed joints out of {name} '
                f'({cls.__name__}); joint masking supports '
                f'{", ".join(c.__name__ for c in MASKED_CLASSES)}')
    return swapped
