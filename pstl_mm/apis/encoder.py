"""Build a pretrained PSTL encoder outside a runner."""
import copy
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from ..models.encoder_state import encoder_state_dict

ConfigType = Union[str, Config, ConfigDict, dict, None]

#: Key of a published encoder file holding the encoder's config.
BACKBONE_KEY = 'backbone'


def load_checkpoint_file(path: str, map_location='cpu') -> dict:
    """Read a checkpoint (weights-only loading, as MMEngine's runner does).

    Args:
        path (str): A ``.pth`` file.
        map_location: Where tensors go. Defaults to ``'cpu'``.

    Returns:
        dict: The checkpoint; a bare state dict becomes
        ``{'state_dict': ...}``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    from mmengine.runner import CheckpointLoader
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist')
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location)
    if 'state_dict' not in checkpoint:
        checkpoint = dict(state_dict=checkpoint)
    return checkpoint


def backbone_config(config: ConfigType, checkpoint: Optional[dict] = None,
                    path: str = 'checkpoint') -> dict:
    """The encoder's config dict, from a config or from the checkpoint.

    Args:
        config: A config file, a ``Config``, a model or backbone dict, or
            ``None`` to take it from ``checkpoint`` (a published encoder's
            ``meta['backbone']``, else the config MMEngine stored in
            ``meta['cfg']``).
        checkpoint (dict, optional): As :func:`load_checkpoint_file`
            returns it.
        path (str): The checkpoint file, for error messages.

    Returns:
        dict: The encoder's config (``init_cfg`` removed).

    Raises:
        ValueError: Neither holds an encoder config.
    """
    if config is None:
        meta = (checkpoint or {}).get('meta') or {}
        if BACKBONE_KEY in meta:
            cfg = dict(meta[BACKBONE_KEY])
        elif 'cfg' in meta:
            cfg = Config.fromstring(meta['cfg'], '.py').model.backbone
        else:
            raise ValueError(
                f'{path}: no config given and the checkpoint names no '
                'encoder config; pass the config file')
    else:
        if isinstance(config, str):
            config = Config.fromfile(config)
        cfg = config.get('model', config)
        cfg = cfg.get('backbone', cfg)
    cfg = copy.deepcopy(dict(cfg))
    cfg.pop('init_cfg', None)
    if 'type' not in cfg:
        raise ValueError(f'the encoder config has no type: {cfg}')
    return cfg


def init_encoder(config: ConfigType = None,
                 checkpoint: Optional[str] = None,
                 device: Union[str, torch.device] = 'cpu'):
    """A ready encoder: built from a config, weights loaded, in eval mode.

    Args:
        config: A config file (e.g. ``configs/pstl/pstl_ntu60_xsub.py``), a
            ``Config`` or model/backbone dict; ``None`` takes the encoder's
            config from ``checkpoint``.
        checkpoint (str, optional): A pretraining, recognizer or published
            encoder checkpoint (``tools/publish_encoder.py``). ``None``
            leaves the weights as built (random).
        device (str | torch.device): Where the encoder runs.

    Returns:
        SkeletonEncoder: Frozen (eval mode, no gradients), with the
        config's layout (``encoder.layout``).

    Raises:
        ValueError: No encoder config can be found.
        RuntimeError: The checkpoint's weights do not fit the encoder
            (missing or unexpected keys, other shapes).
    """
    from mmaction.registry import MODELS

    import pstl_mm  # noqa: F401  (registers the encoder)
    loaded = None
    if checkpoint is not None:
        loaded = load_checkpoint_file(checkpoint)
    cfg = backbone_config(config, loaded, checkpoint or 'checkpoint')
    cfg['frozen'] = True
    with DefaultScope.overwrite_default_scope('mmaction'):
        encoder = MODELS.build(cfg)
    if loaded is not None:
        state = encoder_state_dict(loaded, checkpoint)
        try:
            encoder.load_state_dict(state, strict=True)
        except RuntimeError as error:
            problems = [
                line.strip() for line in str(error).splitlines()[1:]
                if line.strip()
            ]
            more = (f' (and {len(problems) - 3} more)'
                    if len(problems) > 3 else '')
            raise RuntimeError(
                f'{checkpoint}: the weights do not fit the encoder of the '
                f'config: {" ".join(problems[:3])}{more}') from None
    for param in encoder.parameters():
        param.requires_grad_(False)
    return encoder.to(device).eval()
