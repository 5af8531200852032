"""The Barlow Twins projector of PSTL."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ..layers import OneDNNLinear


@MODELS.register_module()
class BarlowTwinsProjector(BaseModule):
    """3-layer MLP: Linear-BN-ReLU, Linear-BN-ReLU, Linear.

    The linear layers have no bias, as in the authors' code; the module
    indices (``projector.0/1/3/4/6``) match theirs.

    Args:
        in_channels (int): Input feature size. Defaults to 256.
        hidden_channels (int): Hidden size. Defaults to 6144.
        out_channels (int): Output size D. Defaults to 6144.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 in_channels: int = 256,
                 hidden_channels: int = 6144,
                 out_channels: int = 6144,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.projector = nn.Sequential(
            OneDNNLinear(in_channels, hidden_channels, bias=False),
            nn.BatchNorm1d(hidden_channels),
            nn.ReLU(inplace=True),
            OneDNNLinear(hidden_channels, hidden_channels, bias=False),
            nn.BatchNorm1d(hidden_channels),
            nn.ReLU(inplace=True),
            OneDNNLinear(hidden_channels, out_channels, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Project features.

        Args:
            x (torch.Tensor): (N, in_channels) features.

        Returns:
            torch.Tensor: (N, out_channels) embeddings.
        """
        return self.projector(x)

    def forward_views(self, xs: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Project several views, each with its own BatchNorm statistics.

        Equals ``[self(x) for x in xs]`` (the running statistics included:
        every BatchNorm sees the views one after another, in order), but
        every linear layer multiplies the rows of all views at once, so its
        weight is read once per pass and its gradient is one product, not a
        sum of one per view.

        Args:
            xs (Sequence[torch.Tensor]): (N_i, in_channels) features of each
                view.

        Returns:
            list[torch.Tensor]: (N_i, out_channels) embeddings of each view.
        """
        sizes = [x.shape[0] for x in xs]
        h = torch.cat(list(xs))
        for layer in self.projector:
            if isinstance(layer, nn.modules.batchnorm._BatchNorm):
                h = torch.cat([layer(part) for part in h.split(sizes)])
            else:
                h = layer(h)
        return list(h.split(sizes))
