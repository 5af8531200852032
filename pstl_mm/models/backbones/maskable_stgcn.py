"""ST-GCN encoder that can remove joints from its computation."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from ...skeleton import get_layout, graph_adjacency
from ...structures import KeptJoints, check_kept_joints
from ...structures import kept_joints as kept_joints_of
from ..layers import (PackedBitsDropout, StridedPointwiseConv2d, data_bn_rows,
                      graph_conv, masked_batch_norm_1d, masked_batch_norm_2d,
                      relu_conv_of_norm)
from .skeleton_encoder import SkeletonEncoder


def _norm(bn: nn.Module, x: torch.Tensor,
          keep: Optional[torch.Tensor]) -> torch.Tensor:
    """Apply ``bn``, with masked statistics where ``keep`` is given.

    Plain, sliced and gathered inputs hold real positions only, so the
    module's own forward runs (also a ``SyncBatchNorm`` that MMEngine's
    ``sync_bn`` swapped in); ``keep`` (the masked ``data_bn`` of the gather
    and dense paths, every BatchNorm of the dense path) takes the masked
    statistics with the module's parameters, whatever its class.
    """
    if keep is None:
        return bn(x)
    if x.dim() == 3:
        return masked_batch_norm_1d(bn, x, keep)
    return masked_batch_norm_2d(bn, x, keep)


class MaskableSTGCNBlock(nn.Module):
    """One ST-GCN block: graph convolution, temporal convolution, residual.

    ``gcn.conv`` is a 1x1 convolution to ``K * out_channels`` channels
    followed by ``sum_k x_k A_k``; ``tcn`` is BN-ReLU-Conv(kt x 1)-BN-Dropout;
    the residual is the identity where shapes allow, else a 1x1 convolution
    and BN; ReLU at the end.

    With gradients on, the temporal ReLU and convolution run as one
    function (:func:`~pstl_mm.models.layers.relu_conv_of_norm`) that keeps
    only the BatchNorm's input for backward, so ``tcn_conv``'s own forward
    (and its hooks) is not called then.

    The block runs on whatever joints its input holds, with the matching
    adjacency (:meth:`adjacency`); only the dense path of
    :class:`MaskableSTGCN` (where the paths are described) passes ``keep``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        num_subsets (int): Number K of adjacency subsets.
        num_joints (int): Number of joints V.
        stride (int): Temporal stride.
        residual (bool): Whether the block has a residual branch.
        dropout (float): Dropout probability after the temporal BN.
        temporal_kernel (int): Temporal kernel size (odd).
        edge_importance (bool): Learnable (K, V, V) edge weights,
            initialised to ones.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_subsets: int,
                 num_joints: int,
                 stride: int = 1,
                 residual: bool = True,
                 dropout: float = 0.0,
                 temporal_kernel: int = 9,
                 edge_importance: bool = True) -> None:
        super().__init__()
        self.num_subsets = num_subsets
        self.gcn_conv = nn.Conv2d(in_channels, out_channels * num_subsets, 1)
        if edge_importance:
            self.edge_importance = nn.Parameter(
                torch.ones(num_subsets, num_joints, num_joints))
        else:
            self.register_parameter('edge_importance', None)
        pad = (temporal_kernel - 1) // 2
        self.tcn_bn_in = nn.BatchNorm2d(out_channels)
        self.tcn_conv = nn.Conv2d(
            out_channels,
            out_channels, (temporal_kernel, 1), (stride, 1), (pad, 0))
        self.tcn_bn_out = nn.BatchNorm2d(out_channels)
        # In place on the BatchNorm's output, which its backward does not read.
        self.dropout = PackedBitsDropout(dropout, inplace=True)
        self.has_residual = residual
        if residual and (in_channels != out_channels or stride != 1):
            self.res_conv = StridedPointwiseConv2d(
                in_channels, out_channels, stride=(stride, 1))
            self.res_bn = nn.BatchNorm2d(out_channels)
        else:
            self.res_conv = None
            self.res_bn = None

    def adjacency(self, A: torch.Tensor,
                  kept: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``A * edge_importance``, restricted to the kept joints.

        Args:
            A (torch.Tensor): (K, V, V) graph.
            kept (torch.Tensor, optional): (V_kept,) indices shared by the
                batch, (N, V_kept) indices per sample, or a float (N, V) 0/1
                mask (the dense fallback: removed joints send nothing);
                ``None`` keeps all.

        Returns:
            torch.Tensor: (K, V', V') or, per sample, (N, K, V', V').
        """
        if self.edge_importance is not None:
            A = A * self.edge_importance
        if kept is None:
            return A
        if kept.is_floating_point():  # (N, V) 0/1: zero removed rows
            return A[None] * kept[:, None, :, None]
        if kept.dim() == 1:
            return A[:, kept[:, None], kept[None, :]]
        # Per sample, as products with the (N, V_kept, V) one-hot selection
        # P: P A_k P^T picks exactly A_k[kept][:, kept] (one product per
        # entry, the rest zeros), and its backward sums the samples' parts
        # with matrix products. Advanced indexing would be equal forward,
        # but its backward (index_put_ with accumulate) adds the samples'
        # parts with unordered atomic adds on CPU threads: the gradient of
        # edge_importance, and every run, would change from run to run.
        select = F.one_hot(kept, A.shape[-1]).to(A.dtype)[:, None]
        return select @ A @ select.transpose(-1, -2)

    def forward(self,
                x: torch.Tensor,
                A: torch.Tensor,
                keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Run the block.

        Args:
            x (torch.Tensor): (N*M, C_in, T, V') features of the joints the
                block runs on (zero at removed joints with ``keep``).
            A (torch.Tensor): Adjacency from :meth:`adjacency`, (K, V', V')
                or (N, K, V', V').
            keep (torch.Tensor, optional): (N*M, 1, 1, V') float mask of the
                fallback path, ``None`` when every joint of ``x`` is real.

        Returns:
            torch.Tensor: (N*M, C_out, T // stride, V').
        """
        if self.res_conv is not None:
            res = _norm(self.res_bn, self.res_conv(x), keep)
        elif self.has_residual:
            res = x
        else:
            res = None
        y = graph_conv(x, A, self.gcn_conv.weight, self.gcn_conv.bias)
        if keep is not None:
            y = y * keep
        if keep is None:
            y = relu_conv_of_norm(self.tcn_bn_in, y, self.tcn_conv)
        else:
            y = self.tcn_conv(_norm(self.tcn_bn_in, y, keep).relu_())
        y = self.dropout(_norm(self.tcn_bn_out, y, keep))
        if res is not None:
            y = y.add_(res)
        return y.relu_()


@MODELS.register_module()
class MaskableSTGCN(SkeletonEncoder):
    """ST-GCN encoder of PSTL, able to remove joints from its computation.

    It fulfils the encoder contract (:class:`SkeletonEncoder`) exactly, and
    takes one more argument, the mask's ``kept_joints``.

    The default is the 16-hidden-channel ST-GCN of the paper: 10 blocks with
    widths 16, 16, 16, 16, 32 (stride 2), 32, 32, 64 (stride 2), 64, 256,
    temporal kernel 9, dropout 0.5 in blocks 2-10, learnable edge importance,
    the ST-GCN spatial partition of the layout's graph, and ``data_bn`` over
    V*C channels (channel index v*C + c) as in the authors' code.

    ``joint_mask`` (True = removed) takes joints out of the computation
    entirely: removed joints pass no message through the graph, every
    BatchNorm (train mode) and :meth:`pool` count only kept joints, and
    removed joints are zero in the output. For a mask shared by the whole
    batch this equals the authors' way: ``data_bn`` on every joint, then
    ``x`` and ``A`` sliced to the kept joints. Masks may differ per sample;
    ``data_bn`` statistics of a joint then count the samples that keep it.

    A mask runs on one of three paths, all with the same features and
    gradients (this is the one place that describes them):

    * ``'slice'``, one mask shared by the batch: ``x`` and ``A`` sliced to
      the kept joints after ``data_bn``, as the authors do;
    * ``'gather'``, every sample keeps the same number of joints (CSM,
      RSM, partial-body joint levels): ``data_bn`` with masked statistics,
      then the blocks run on the kept joints only, gathered per sample, with
      per-sample adjacency ``(A * edge_importance)[kept][:, kept]``, and
      every later BatchNorm is torch's own over real positions;
    * ``'dense'``, the fallback for masks that keep different numbers of
      joints per sample: removed joints are zeroed at every step, their rows
      of the adjacency are zero, and every BatchNorm takes masked
      statistics.

    So a mask costs less than no mask on the first two. The path is read
    from ``kept_joints`` (:func:`pstl_mm.structures.kept_joints`: (V_kept,)
    indices -> slice, (N, V_kept) -> gather, ``'ragged'`` -> dense), which
    :class:`~pstl_mm.models.ViewsDataPreprocessor` and
    :class:`~pstl_mm.models.MaskedRecognizerGCN` work out on the host when
    they form the batch: given them, the encoder never waits for the device
    (no ``.tolist()``, no ``nonzero``), as ``torch.compile(fullgraph=True)``
    needs. Given only ``joint_mask`` (e.g. a direct call), it works them out
    itself, with one host synchronisation per mask.

    Args:
        in_channels (int): Coordinates per joint C. Defaults to 3.
        hidden_channels (int): Width of the first blocks. Defaults to 16.
        out_channels (int): Width of the last block. Defaults to 256.
        layout (str): Skeleton layout of :mod:`pstl_mm.skeleton`.
            Defaults to ``'nturgb+d'``.
        num_person (int): Persons M; used by ``data_bn_type='MVC'``.
        data_bn_type (str): ``'VC'`` (authors: BatchNorm1d(V*C) over N*M
            rows), ``'MVC'`` (BatchNorm1d(M*V*C)) or ``'none'``.
        temporal_kernel (int): Temporal kernel size. Defaults to 9.
        dropout (float): Dropout in blocks 2-10. Defaults to 0.5.
        edge_importance (bool): Learnable edge importance. Defaults to True.
        frozen (bool): No parameter requires grad, and every BatchNorm and
            Dropout stays in eval mode, even after ``train()``.
        mask_path (str): ``'auto'`` (default) takes the path of each mask
            (see above); ``'dense'`` always takes the fallback; ``'gather'``
            refuses masks with different numbers of kept joints per sample.
        init_cfg (dict, optional): MMEngine initialisation config, e.g.
            ``dict(type='Pretrained', checkpoint=CKPT, prefix='backbone.')``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 hidden_channels: int = 16,
                 out_channels: int = 256,
                 layout: str = 'nturgb+d',
                 num_person: int = 2,
                 data_bn_type: str = 'VC',
                 temporal_kernel: int = 9,
                 dropout: float = 0.5,
                 edge_importance: bool = True,
                 frozen: bool = False,
                 mask_path: str = 'auto',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.layout = get_layout(layout)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_person = num_person
        self.frozen = frozen
        if mask_path not in ('auto', 'gather', 'dense'):
            raise ValueError("mask_path must be 'auto', 'gather' or 'dense', "
                             f'got {mask_path!r}')
        self.mask_path = mask_path
        A = torch.from_numpy(graph_adjacency(self.layout.name))
        self.register_buffer('A', A, persistent=False)
        num_joints = self.layout.num_joints
        if data_bn_type == 'VC':
            self.data_bn = nn.BatchNorm1d(num_joints * in_channels)
        elif data_bn_type == 'MVC':
            self.data_bn = nn.BatchNorm1d(num_person * num_joints *
                                             in_channels)
        elif data_bn_type == 'none':
            self.data_bn = None
        else:
            raise ValueError(f"data_bn_type must be 'VC', 'MVC' or 'none', "
                             f'got {data_bn_type!r}')
        self.data_bn_type = data_bn_type
        h = hidden_channels
        widths = [h, h, h, h, 2 * h, 2 * h, 2 * h, 4 * h, 4 * h, out_channels]
        strides = [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
        blocks: List[nn.Module] = []
        c_in = in_channels
        for i, (c_out, stride) in enumerate(zip(widths, strides)):
            blocks.append(
                MaskableSTGCNBlock(
                    c_in,
                    c_out,
                    num_subsets=A.shape[0],
                    num_joints=num_joints,
                    stride=stride,
                    residual=i > 0,
                    dropout=dropout if i > 0 else 0.0,
                    temporal_kernel=temporal_kernel,
                    edge_importance=edge_importance))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        if frozen:
            self.requires_grad_(False)

    def _mask_path(self, joint_mask: Optional[torch.Tensor],
                   num_frames: int,
                   kept: Optional[KeptJoints] = None) -> Tuple:
        """Choose the path of a mask (see the class).

        Args:
            joint_mask (torch.Tensor, optional): (N, V) bool.
            num_frames (int): T of the batch.
            kept (torch.Tensor | str, optional): The mask's ``kept_joints``;
                ``None``: worked out here (one host synchronisation).

        Returns:
            tuple: ``(path, index)``: ``None``, ``'slice'``, ``'gather'`` or
            ``'dense'``, and the (V_kept,) or (N, V_kept) indices of the
            first two (else ``None``).

        Raises:
            ValueError: ``kept`` without a mask or of another form, a mask
                that removes every joint of a sample, too few kept
                positions for batch statistics, or a ragged mask with
                ``mask_path='gather'``.
        """
        if joint_mask is None:
            if kept is not None:
                raise ValueError('MaskableSTGCN: kept_joints given without '
                                 'joint_mask')
            return None, None
        n, v = joint_mask.shape
        if kept is None:
            kept = kept_joints_of(joint_mask, 'MaskableSTGCN: joint_mask')
        else:
            check_kept_joints(kept, n, v, 'MaskableSTGCN')
        ragged = isinstance(kept, str)
        if self.mask_path == 'dense':
            # A ragged mask keeps at least 1 + 2 joints in all.
            total = 3 if ragged else n * kept.shape[-1]
            if self.training and total * num_frames < 2:
                raise ValueError('MaskableSTGCN: a masked batch needs at '
                                 'least 2 kept positions to compute batch '
                                 'statistics')
            return 'dense', None
        if not ragged:
            return ('slice' if kept.dim() == 1 else 'gather'), kept
        if self.mask_path == 'gather':
            raise ValueError(
                "MaskableSTGCN: mask_path='gather' needs the same number of "
                'kept joints in every sample; this mask keeps different '
                'numbers')
        return 'dense', None

    def _encode(self, x: torch.Tensor, joint_mask: Optional[torch.Tensor],
                kept_joints: Optional[KeptJoints]) -> Tuple:
        """Run ``data_bn`` and the blocks on the joints each path keeps.

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool.
            kept_joints (torch.Tensor | str, optional): See :meth:`forward`.

        Returns:
            tuple: ``(h, path, kept, keep)``: h (N*M, C_out, T', V') block
            output; the path of :meth:`_mask_path`; ``kept`` the joint
            indices h holds ((V_kept,) for 'slice', (N, V_kept) for
            'gather', else ``None``); ``keep`` the (N*M, 1, 1, V) float mask
            of the 'dense' path, else ``None``.
        """
        joint_mask = self.check_inputs(x, joint_mask, self.data_bn_type)
        n, m, t, v, c = x.shape
        path, kept = self._mask_path(joint_mask, t, kept_joints)
        x = x.permute(0, 1, 3, 4, 2).contiguous()  # N, M, V, C, T
        present = rows = None
        if path in ('gather', 'dense'):
            present = (~joint_mask).to(x.dtype)  # N, V
            rows = data_bn_rows(present, m, c, self.data_bn_type)
        if self.data_bn_type == 'VC':
            x = _norm(self.data_bn, x.view(n * m, v * c, t), rows)
        elif self.data_bn_type == 'MVC':
            x = _norm(self.data_bn, x.view(n, m * v * c, t), rows)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2)
        x = x.reshape(n * m, c, t, v)
        keep = None
        if path == 'slice':
            x = x[..., kept]
        elif path == 'gather':
            x = x.gather(3, self._person_index(kept, m, c, t))
        elif path == 'dense':
            keep = present.repeat_interleave(m, dim=0)[:, None, None, :]
            x = x * keep
        # The dense path keeps every joint and zeroes the removed rows of A.
        restrict = present if path == 'dense' else kept
        for block in self.blocks:
            x = block(x, block.adjacency(self.A, restrict), keep)
        return x, path, kept, keep

    @staticmethod
    def _person_index(kept: torch.Tensor, m: int, c: int,
                      t: int) -> torch.Tensor:
        """(N, V_kept) joint indices -> (N*M, C, T, V_kept) gather index."""
        index = kept.repeat_interleave(m, dim=0)[:, None, None, :]
        return index.expand(-1, c, t, -1)

    def forward(self,
                x: torch.Tensor,
                joint_mask: Optional[torch.Tensor] = None,
                kept_joints: Optional[KeptJoints] = None) -> torch.Tensor:
        """Encode skeleton sequences (the class describes the mask paths).

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint.
            kept_joints (torch.Tensor | str, optional): What
                :func:`pstl_mm.structures.kept_joints` gives for
                ``joint_mask`` (as an (N, V) mask), worked out where the
                mask was on the host; ``None``: worked out here.

        Returns:
            torch.Tensor: (N, M, C_out, T', V) features, zero at removed
            joints; T' = ceil(T / 4) with the default strides.
        """
        h, path, kept, _ = self._encode(x, joint_mask, kept_joints)
        n, m, _, v, _ = x.shape
        nm, c_out, t_out, _ = h.shape
        if path == 'slice':
            h = h.new_zeros(nm, c_out, t_out, v).index_copy(3, kept, h)
        elif path == 'gather':
            index = self._person_index(kept, m, c_out, t_out)
            h = h.new_zeros(nm, c_out, t_out, v).scatter(3, index, h)
        return h.reshape((n, m) + h.shape[1:])

    def forward_pooled(self,
                       x: torch.Tensor,
                       joint_mask: Optional[torch.Tensor] = None,
                       kept_joints: Optional[KeptJoints] = None
                       ) -> torch.Tensor:
        """Pooled features, ``pool(forward(x, joint_mask), joint_mask)``.

        Cheaper than the two calls: kept joints are never scattered back.

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint.
            kept_joints (torch.Tensor | str, optional): See :meth:`forward`.

        Returns:
            torch.Tensor: (N, C_out) features.
        """
        h, path, _, keep = self._encode(x, joint_mask, kept_joints)
        n, m = x.shape[:2]
        if path == 'dense':
            kept = keep.view(n, m, -1)[:, 0].sum(dim=1)  # N
            summed = h.sum(dim=(2, 3)).view(n, m, -1)
            return (summed / (kept[:, None, None] * h.shape[2])).mean(dim=1)
        return h.mean(dim=(2, 3)).view(n, m, -1).mean(dim=1)
