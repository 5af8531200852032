"""The Barlow Twins projector of PSTL."""
from typing import Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule


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
            nn.Linear(in_channels, hidden_channels, bias=False),
            nn.BatchNorm1d(hidden_channels),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, hidden_channels, bias=False),
            nn.BatchNorm1d(hidden_channels),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, out_channels, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Project features.

        Args:
            x (torch.Tensor): (N, in_channels) features.

        Returns:
            torch.Tensor: (N, out_channels) embeddings.
        """
        return self.projector(x)
