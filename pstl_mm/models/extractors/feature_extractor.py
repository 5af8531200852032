"""An encoder alone, as a model the runner can test: pooled features."""
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model import BaseModel

from ..encoder_state import encoder_state_dict


@MODELS.register_module()
class FeatureExtractor(BaseModel):
    """The pooled features of an encoder, for evaluations without training.

    ``mode='tensor'`` returns the (N, C_out) features of
    ``backbone.forward_pooled`` (averaged over time, joints and persons,
    without gradients); ``mode='predict'`` stores each sample's (C_out,) features in
    its data sample as ``pooled_features``. There is no loss: the model is for
    ``tools/test.py`` (e.g. :class:`~pstl_mm.engine.KNNTestLoop`).

    Any checkpoint that holds the encoder loads without noise: the
    ``backbone.*`` weights of a pretraining (``PSTL``) or recognizer
    checkpoint, whose other weights (projector, Barlow Twins head,
    classifier) are left out, and a published encoder file
    (``tools/publish_encoder.py``, plain keys).

    Args:
        backbone (dict): The encoder config, any ``SkeletonEncoder``.
        data_preprocessor (dict, optional): Defaults to MMAction2's
            ``ActionDataPreprocessor``, as ``RecognizerGCN``'s.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Pooled features, averaged over the clips of a sample.

        Args:
            inputs (torch.Tensor): (N, M, T, V, C) coordinates, or
                (N, num_clips, M, T, V, C) as MMAction2's
                ``PackActionInputs`` stacks them.

        Returns:
            torch.Tensor: (N, C_out) features, without gradients.
        """
        with torch.no_grad():
            if inputs.dim() == 6:
                n, clips = inputs.shape[:2]
                feats = self.backbone.forward_pooled(inputs.flatten(0, 1))
                return feats.view(n, clips, -1).mean(dim=1)
            return self.backbone.forward_pooled(inputs)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        """Features as a tensor or in the data samples.

        Args:
            inputs (torch.Tensor): (N, M, T, V, C) or
                (N, num_clips, M, T, V, C) coordinates.
            data_samples (list[ActionDataSample], optional): Needed for
                ``mode='predict'``.
            mode (str): ``'tensor'`` or ``'predict'``.

        Returns:
            torch.Tensor | list[ActionDataSample]: (N, C_out) features, or
            the data samples with ``pooled_features`` (C_out,) set.

        Raises:
            RuntimeError: ``mode='loss'``: the model does not train.
            ValueError: Another mode, or ``'predict'`` without samples.
        """
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'predict':
            if data_samples is None:
                raise ValueError('FeatureExtractor: mode="predict" needs the '
                                 'data samples')
            for sample, feats in zip(data_samples, self.extract_feat(inputs)):
                sample.pooled_features = feats
            return data_samples
        if mode == 'loss':
            raise RuntimeError('FeatureExtractor has no loss: it extracts '
                               'features for evaluation (tools/test.py), it '
                               'does not train')
        raise ValueError(f'FeatureExtractor: mode must be "tensor" or '
                         f'"predict", got {mode!r}')

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Keep the encoder's weights of the checkpoint, as ``backbone.*``.

        Raises:
            KeyError: The state dict holds no weights.
        """
        own = {
            key[len(prefix):]: state_dict.pop(key)
            for key in list(state_dict) if key.startswith(prefix)
        }
        for key, value in encoder_state_dict(
                dict(state_dict=own), 'FeatureExtractor').items():
            state_dict[f'{prefix}backbone.{key}'] = value
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
