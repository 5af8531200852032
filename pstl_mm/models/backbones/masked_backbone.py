"""MMAction2's skeleton backbones as encoders of the package's contract."""
import copy
from functools import lru_cache
from typing import List, Optional, Union

import mmaction.engine.model  # noqa: F401  (AAGCN's 'ConvBranch' init)
import torch
import torch.nn as nn
from mmaction.models.backbones.aagcn import AAGCN
from mmaction.models.backbones.stgcn import STGCN
from mmaction.models.utils import Graph, unit_aagcn
from mmaction.registry import MODELS

from ...skeleton import SkeletonLayout, get_layout
from ..layers import JointMaskState, data_bn_rows, install_joint_masking
from .skeleton_encoder import SkeletonEncoder

#: The backbone classes MaskedBackbone wraps, by config name.
SUPPORTED_BACKBONES = {'STGCN': STGCN, 'AAGCN': AAGCN}

#: The inner module's attributes the wrapper shares: the same dict objects,
#: so parameters, buffers and children are one set, moved, cast and loaded
#: together, under the inner module's own names.
_SHARED_DICTS = ('_parameters', '_buffers', '_non_persistent_buffers_set',
                 '_modules')


@lru_cache(maxsize=None)
def _knows_layout(name: str) -> Optional[int]:
    """Joints of MMAction2's own ``Graph`` layout ``name``; ``None`` if it
    has none by that name."""
    try:
        return Graph(layout=name).num_node
    except (AssertionError, ValueError):
        return None


def graph_layout(layout: SkeletonLayout) -> Union[str, dict]:
    """The ``layout`` argument of MMAction2's ``Graph`` for a layout.

    MMAction2's own name where its ``Graph`` knows the layout (``'nturgb+d'``,
    ``'coco'``: the graph of MMAction2's configs and checkpoints), else the
    dict layout made from the :mod:`pstl_mm.skeleton` table (e.g.
    ``'kinect_v1'``).

    Args:
        layout (SkeletonLayout): The layout.

    Returns:
        str | dict: A layout name, or ``dict(num_node, inward, center)``.
    """
    if _knows_layout(layout.name) == layout.num_joints:
        return layout.name
    return dict(
        num_node=layout.num_joints,
        inward=layout.edges,
        center=layout.center)


@MODELS.register_module()
class MaskedBackbone(SkeletonEncoder):
    """An MMAction2 skeleton backbone (``STGCN``, ``AAGCN``) as an encoder.

    Wraps the backbone built from ``backbone`` and gives it the encoder
    contract (:class:`SkeletonEncoder`): joint masks, pooling over kept
    joints, ``frozen``. It adds no level to the weights: its state dict has
    the backbone's own keys (``data_bn.weight``, ``gcn.0.gcn.A``, ...), so
    ``backbone.*`` of a checkpoint loads into MMAction2's own
    ``RecognizerGCN`` with ``init_cfg=dict(type='Pretrained',
    checkpoint=..., prefix='backbone.')``, and MMAction2's checkpoints load
    into it the same way.

    Without a mask the forward is the backbone's own, bit for bit. With
    ``joint_mask`` (True = removed) the backbone's own forward runs with
    masked layers (:mod:`pstl_mm.models.layers.joint_masking`): ``data_bn``
    and every BatchNorm (unit_gcn's, its ``down`` branch's, the temporal
    units', each mstcn branch's and transform's, the residual's) take their
    train-mode statistics over kept joints only; every ``Conv2d`` output
    and every block's output is zeroed at removed joints. Removed joints
    thus hold zero features everywhere and send no message through the
    graph: their rows of every adjacency (``A``, ``A * PA``, ``A + PA``, the
    learned ``A`` of STGCN++, AAGCN's data-dependent graph) meet zeros, as
    if cut per sample, and their columns only reach the removed joints,
    which the next masked layer zeroes; gradients follow the same way.

    Which backbones are exact (:attr:`exact_masking`):

    * ``STGCN``, in MMAction2's settings (plain ST-GCN, STGCN++'s
      ``gcn_adaptive='init', gcn_with_res=True, tcn_type='mstcn'``, every
      ``gcn_adaptive``, either ``gcn_conv_pos``, any ``data_bn_type``; a
      normalisation other than BatchNorm is refused): the features of kept
      joints equal the backbone run on the sub-skeleton (input and every
      adjacency restricted to the kept joints, ``data_bn`` to their
      channels), and so do the updated BatchNorm statistics of a mask
      shared by the batch; a mask per sample gives each sample its own
      sub-skeleton (batch statistics of a joint count the samples that keep
      it).
    * ``AAGCN`` without attention (``gcn_attention=False``, the AGCN): exact
      too.
    * ``AAGCN`` with its attention (the default): approximate. The spatial,
      temporal and channel attention average over all V joints (zeros at
      removed ones), and the spatial attention's ``Conv1d`` runs along the
      joint axis with the removed joints in place, so kept joints' features
      differ from the sub-skeleton's (removed joints are still zero and
      send no message through the graph).

    Masks may differ per sample. Values at removed joints of the input are
    ignored (they must be finite); like :class:`MaskableSTGCN`, a shared
    mask gives ``data_bn`` channels of removed joints their plain
    statistics (as the authors' ``data_bn`` on every joint, then slicing).
    A ``SyncBatchNorm`` takes the process's statistics over kept joints in a
    masked call; BatchNorms swapped in after the build (MMEngine's
    ``sync_bn``) are masked from the next ``train()`` / ``eval()`` on.

    Args:
        backbone (dict): Config of the MMAction2 backbone, ``type`` one of
            :data:`SUPPORTED_BACKBONES`. Without ``graph_cfg`` it gets
            ``dict(layout=graph_layout(layout), mode='spatial')``; without
            ``num_person``, the one given here.
        layout (str): Skeleton layout of :mod:`pstl_mm.skeleton`
            (``'nturgb+d'``, ``'kinect_v1'``, ``'coco'``).
        num_person (int): Persons M. Defaults to 2.
        frozen (bool): Freeze the encoder after building (the linear
            protocol): no grads, eval mode even after ``train()``.
        init_cfg (dict | list[dict], optional): MMEngine initialisation
            config, applied after the backbone's own ``init_cfg``, e.g.
            ``dict(type='Pretrained', checkpoint=CKPT, prefix='backbone.')``.

    Raises:
        ValueError: An unsupported backbone type, a ``graph_cfg`` whose node
            count is not the layout's, a ``num_person`` that the backbone's
            ``'MVC'`` ``data_bn`` does not fit, or a layer that cannot be
            masked.
    """

    def __init__(self,
                 backbone: dict,
                 layout: str,
                 num_person: int = 2,
                 frozen: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__()
        self.layout = get_layout(layout)
        cfg = copy.deepcopy(backbone)
        kind = cfg.get('type')
        cls = MODELS.get(kind) if isinstance(kind, str) else kind
        if not (isinstance(cls, type) and issubclass(
                cls, tuple(SUPPORTED_BACKBONES.values()))):
            raise ValueError(
                f'MaskedBackbone wraps {" and ".join(SUPPORTED_BACKBONES)} '
                '(STGCN also with the STGCN++ settings), got backbone type '
                f'{kind!r}')
        num_joints = self.layout.num_joints
        if cfg.get('graph_cfg') is None:
            cfg['graph_cfg'] = dict(
                layout=graph_layout(self.layout), mode='spatial')
        cfg.setdefault('num_person', num_person)
        inner = MODELS.build(cfg)
        if inner.graph.num_node != num_joints:
            raise ValueError(
                f'MaskedBackbone: the backbone graph_cfg '
                f'{cfg["graph_cfg"]} has {inner.graph.num_node} nodes but '
                f'layout {self.layout.name!r} has {num_joints} joints')
        self.in_channels = inner.in_channels
        self.num_person = num_person
        self.frozen = frozen
        if inner.data_bn_type == 'MVC':
            expected = num_person * self.in_channels * num_joints
            if inner.data_bn.num_features != expected:
                raise ValueError(
                    f'MaskedBackbone: the backbone\'s data_bn (type MVC) has '
                    f'{inner.data_bn.num_features} channels, num_person='
                    f'{num_person} needs M*V*C = {expected}; set num_person '
                    f'in the backbone config to {num_person}')
        self.out_channels = self._last_width(inner)
        # The inner module is no child (no level in the state dict); its
        # parameters, buffers and children are this module's own.
        self.__dict__['_inner'] = inner
        for name in _SHARED_DICTS:
            self.__dict__[name] = inner.__dict__[name]
        init_cfgs = self._cfg_list(inner.init_cfg) + self._cfg_list(init_cfg)
        self.init_cfg = copy.deepcopy(init_cfgs) or None
        self.__dict__['_mask_state'] = JointMaskState()
        install_joint_masking(self, self._mask_state, 'MaskedBackbone')
        for block in inner.gcn:
            # Block outputs are zero at removed joints whatever the
            # activations; a no-op outside a masked call.
            block.register_forward_hook(self._mask_state)
        if frozen:
            self.freeze()

    @staticmethod
    def _cfg_list(cfg) -> list:
        """An init_cfg as a list (``None`` -> empty)."""
        if cfg is None:
            return []
        return list(cfg) if isinstance(cfg, (list, tuple)) else [cfg]

    @staticmethod
    def _last_width(inner: nn.Module) -> int:
        """Output channels of the backbone's last block (its input channels
        when it runs none)."""
        if inner.num_stages == 0:
            return inner.in_channels
        return inner.gcn[inner.num_stages - 1].tcn.out_channels

    @property
    def backbone(self) -> nn.Module:
        """The wrapped MMAction2 backbone (sharing this module's weights)."""
        return self._inner

    @property
    def exact_masking(self) -> bool:
        """Whether a mask takes removed joints out exactly (see the class):
        ``STGCN`` and attention-free ``AAGCN``; ``False`` for ``AAGCN``
        with attention."""
        return not any(
            isinstance(m, unit_aagcn) and m.attention for m in self.modules())

    def train(self, mode: bool = True) -> 'MaskedBackbone':
        """Set train mode (a frozen encoder stays in eval mode).

        Also gives their masked class to layers swapped in since the build
        (e.g. the ``SyncBatchNorm`` of MMEngine's ``sync_bn``, converted
        before the loops call ``train()`` / ``eval()``).
        """
        super().train(mode)
        self._inner.training = self.training
        install_joint_masking(self, self._mask_state, 'MaskedBackbone')
        return self

    def _check_inputs(self, x: torch.Tensor,
                      joint_mask: Optional[torch.Tensor]
                      ) -> Optional[torch.Tensor]:
        """Validate inputs (:meth:`check_inputs`, and every sample keeps a
        joint); return the (N, V) bool mask or ``None``."""
        joint_mask = self.check_inputs(x, joint_mask,
                                       self._inner.data_bn_type)
        if joint_mask is None:
            return None
        t = x.shape[2]
        # One host synchronisation per mask.
        counts = (~joint_mask).sum(dim=1).cpu()
        if (counts == 0).any():
            bad = torch.nonzero(counts == 0).flatten().tolist()
            raise ValueError('MaskedBackbone: joint_mask removes every joint '
                             f'of sample(s) {bad}')
        if self.training and int(counts.sum()) * t < 2:
            raise ValueError('MaskedBackbone: a masked batch needs at least 2 '
                             'kept positions to compute batch statistics')
        return joint_mask

    def forward(self, x: torch.Tensor,
                joint_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Encode skeletons (the class describes the masking).

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint.

        Returns:
            torch.Tensor: (N, M, C_out, T', V) features, zero at removed
            joints; without a mask the backbone's own output.
        """
        joint_mask = self._check_inputs(x, joint_mask)
        if joint_mask is None:
            return self._inner(x)
        n, m, t, v, c = x.shape
        present = (~joint_mask).to(x.dtype)  # N, V
        keep = present.repeat_interleave(m, dim=0)[:, None, None, :]
        rows = None
        data_bn_type = self._inner.data_bn_type
        if isinstance(self._inner.data_bn, nn.modules.batchnorm._BatchNorm):
            rows = data_bn_rows(present, m, c, data_bn_type)
        else:  # no data_bn zeroes the input's removed joints
            x = x.masked_fill(joint_mask[:, None, None, :, None], 0)
        with self._mask_state.masking(keep, rows):
            return self._inner(x)
