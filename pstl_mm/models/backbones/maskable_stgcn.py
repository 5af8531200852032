"""ST-GCN encoder that can remove joints from its computation."""
from typing import List, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ...skeleton import get_layout, graph_adjacency
from ..layers import MaskedBatchNorm1d, MaskedBatchNorm2d


class MaskableSTGCNBlock(nn.Module):
    """One ST-GCN block: graph convolution, temporal convolution, residual.

    ``gcn.conv`` is a 1x1 convolution to ``K * out_channels`` channels
    followed by ``sum_k x_k A_k``; ``tcn`` is BN-ReLU-Conv(kt x 1)-BN-Dropout;
    the residual is the identity where shapes allow, else a 1x1 convolution
    and BN; ReLU at the end.

    Removed joints (``keep == 0``) send nothing through the graph, are left
    out of every batch statistic, and are zero in the output.

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
        self.tcn_bn_in = MaskedBatchNorm2d(out_channels)
        self.tcn_conv = nn.Conv2d(
            out_channels,
            out_channels, (temporal_kernel, 1), (stride, 1), (pad, 0))
        self.tcn_bn_out = MaskedBatchNorm2d(out_channels)
        self.dropout = nn.Dropout(dropout)
        self.has_residual = residual
        if residual and (in_channels != out_channels or stride != 1):
            self.res_conv = nn.Conv2d(
                in_channels, out_channels, 1, stride=(stride, 1))
            self.res_bn = MaskedBatchNorm2d(out_channels)
        else:
            self.res_conv = None
            self.res_bn = None

    def forward(self, x: torch.Tensor, A: torch.Tensor,
                keep: Optional[torch.Tensor]) -> torch.Tensor:
        """Run the block.

        Args:
            x (torch.Tensor): (N*M, C_in, T, V), zero at removed joints.
            A (torch.Tensor): (K, V, V) adjacency.
            keep (torch.Tensor, optional): (N*M, 1, 1, V) float mask,
                ``None`` keeps every joint.

        Returns:
            torch.Tensor: (N*M, C_out, T // stride, V).
        """
        if self.res_conv is not None:
            res = self.res_bn(self.res_conv(x), keep)
        elif self.has_residual:
            res = x
        else:
            res = 0
        if self.edge_importance is not None:
            A = A * self.edge_importance
        y = self.gcn_conv(x)
        if keep is not None:
            y = y * keep
        n, kc, t, v = y.shape
        y = y.view(n, self.num_subsets, kc // self.num_subsets, t, v)
        y = torch.einsum('nkctv,kvw->nctw', y, A)
        if keep is not None:
            y = y * keep
        y = torch.relu(self.tcn_bn_in(y, keep))
        y = self.tcn_bn_out(self.tcn_conv(y), keep)
        y = self.dropout(y)
        return torch.relu(y + res)


@MODELS.register_module()
class MaskableSTGCN(BaseModule):
    """ST-GCN encoder of PSTL, able to remove joints from its computation.

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
    The cost is the same as without a mask.

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
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.layout = get_layout(layout)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_person = num_person
        self.frozen = frozen
        A = torch.from_numpy(graph_adjacency(self.layout.name))
        self.register_buffer('A', A, persistent=False)
        num_joints = self.layout.num_joints
        if data_bn_type == 'VC':
            self.data_bn = MaskedBatchNorm1d(num_joints * in_channels)
        elif data_bn_type == 'MVC':
            self.data_bn = MaskedBatchNorm1d(num_person * num_joints *
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

    def train(self, mode: bool = True) -> 'MaskableSTGCN':
        """Set train mode; a frozen backbone always stays in eval mode."""
        super().train(mode and not self.frozen)
        return self

    def _check_inputs(self, x: torch.Tensor,
                      joint_mask: Optional[torch.Tensor]):
        """Validate inputs; return the (N, V) bool mask or ``None``."""
        if x.dim() != 5:
            raise ValueError('MaskableSTGCN expects x of shape (N, M, T, V, C)'
                             f', got a tensor of rank {x.dim()} with shape '
                             f'{tuple(x.shape)}')
        n, m, t, v, c = x.shape
        if v != self.layout.num_joints:
            raise ValueError(
                f'MaskableSTGCN: x has V={v} joints but layout '
                f'{self.layout.name!r} has {self.layout.num_joints} '
                f'(x shape {tuple(x.shape)}, expected (N, M, T, V, C))')
        if c != self.in_channels:
            raise ValueError(f'MaskableSTGCN: x has C={c} channels, expected '
                             f'{self.in_channels} (x shape {tuple(x.shape)})')
        if self.data_bn_type == 'MVC' and m != self.num_person:
            raise ValueError(f'MaskableSTGCN: x has M={m} persons, expected '
                             f'{self.num_person} for data_bn_type="MVC"')
        if joint_mask is None:
            return None
        if joint_mask.dtype != torch.bool:
            raise ValueError('MaskableSTGCN: joint_mask must be a bool tensor '
                             f'(True = removed), got dtype {joint_mask.dtype}')
        if joint_mask.shape == (v, ):
            joint_mask = joint_mask.expand(n, v)
        if tuple(joint_mask.shape) != (n, v):
            raise ValueError(
                f'MaskableSTGCN: joint_mask must have shape (N, V) = '
                f'{(n, v)} or (V,), got {tuple(joint_mask.shape)}')
        all_masked = joint_mask.all(dim=1)
        if bool(all_masked.any()):
            bad = torch.nonzero(all_masked).flatten().tolist()
            raise ValueError('MaskableSTGCN: joint_mask removes every joint '
                             f'of sample(s) {bad}')
        return joint_mask

    def forward(self,
                x: torch.Tensor,
                joint_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Encode skeleton sequences.

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint.

        Returns:
            torch.Tensor: (N, M, C_out, T', V) features, zero at removed
            joints; T' = ceil(T / 4) with the default strides.
        """
        joint_mask = self._check_inputs(x, joint_mask)
        n, m, t, v, c = x.shape
        keep = None
        if joint_mask is not None:
            keep = (~joint_mask).to(x.dtype)  # N, V
        x = x.permute(0, 1, 3, 4, 2).contiguous()  # N, M, V, C, T
        if self.data_bn_type == 'VC':
            rows = None if keep is None else keep.repeat_interleave(
                m, dim=0).repeat_interleave(c, dim=1)[..., None]
            x = self.data_bn(x.view(n * m, v * c, t), rows)
        elif self.data_bn_type == 'MVC':
            rows = None if keep is None else keep.repeat_interleave(
                c, dim=1).repeat(1, m)[..., None]
            x = self.data_bn(x.view(n, m * v * c, t), rows)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2)
        x = x.reshape(n * m, c, t, v)
        if keep is not None:
            keep = keep.repeat_interleave(m, dim=0)[:, None, None, :]
            x = x * keep
        for block in self.blocks:
            x = block(x, self.A, keep)
        return x.reshape((n, m) + x.shape[1:])

    @staticmethod
    def pool(features: torch.Tensor,
             joint_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Average features over time and kept joints, then over persons.

        Args:
            features (torch.Tensor): (N, M, C, T, V) output of
                :meth:`forward`.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint, as given to :meth:`forward`.

        Returns:
            torch.Tensor: (N, C) features.
        """
        n, m, c, t, v = features.shape
        if joint_mask is None:
            return features.mean(dim=(3, 4)).mean(dim=1)
        kept = (~joint_mask).to(features.dtype).expand(n, v).sum(dim=1)
        summed = features.sum(dim=(3, 4))  # removed joints are zero
        return (summed / (kept[:, None, None] * t)).mean(dim=1)

