"""An encoder-only file of a checkpoint: its weights and config."""
import hashlib
import os
import os.path as osp

import torch

from ..models.encoder_state import encoder_state_dict
from .encoder import (BACKBONE_KEY, backbone_config, init_encoder,
                      load_checkpoint_file)


def publish_encoder(in_file: str, out_file: str, config=None) -> str:
    """Write the encoder-only file; return its final path.

    Args:
        in_file (str): A checkpoint with ``backbone.*`` weights.
        out_file (str): Output path before the hash is added.
        config (str, optional): Config file of the checkpoint.

    Returns:
        str: ``<out stem>-<sha256[:8]>.pth``.
    """
    checkpoint = load_checkpoint_file(in_file)
    backbone = backbone_config(config, checkpoint, in_file)
    state = encoder_state_dict(checkpoint, in_file)
    meta = {BACKBONE_KEY: backbone, 'source': osp.basename(in_file)}
    for key in ('epoch', 'iter', 'mmengine_version'):
        if key in (checkpoint.get('meta') or {}):
            meta[key] = checkpoint['meta'][key]
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(out_file)}.tmp')
    torch.save(dict(meta=meta, state_dict=state), tmp)
    with open(tmp, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    final = f'{stem}-{sha[:8]}.pth'
    os.replace(tmp, final)
    init_encoder(None, final)  # it must load as it is published
    return final
