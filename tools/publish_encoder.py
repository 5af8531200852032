"""Publish the encoder of a checkpoint as a small encoder-only file.

    python tools/publish_encoder.py IN.pth OUT.pth [--config CONFIG]

Keeps the encoder's weights (``backbone.*``, prefix removed) and its config
dict (from ``--config``, else the config stored in the checkpoint), drops
the optimizer, projector and head, and writes ``OUT-<sha256[:8]>.pth``, as
MMAction2's ``publish_model.py`` names files. The result loads in
``pstl_mm.apis.init_encoder(None, FILE)`` and in any recognizer through
``backbone.init_cfg = dict(type='Pretrained', checkpoint=FILE)``.
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

import torch


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='encoder-only file from a checkpoint')
    parser.add_argument('in_file', help='pretraining or recognizer '
                        'checkpoint')
    parser.add_argument('out_file', help='output name; the sha256 prefix is '
                        'added before the extension')
    parser.add_argument('--config', help="the checkpoint's config (default: "
                        'the one stored in it)')
    return parser.parse_args(argv)


def publish(in_file: str, out_file: str, config=None) -> str:
    """Write the encoder-only file; return its final path.

    Args:
        in_file (str): A checkpoint with ``backbone.*`` weights.
        out_file (str): Output path before the hash is added.
        config (str, optional): Config file of the checkpoint.

    Returns:
        str: ``<out stem>-<sha256[:8]>.pth``.
    """
    from pstl_mm.apis.encoder import (BACKBONE_KEY, backbone_config,
                                      encoder_state_dict,
                                      load_checkpoint_file)
    from pstl_mm.apis import init_encoder
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


def main(argv=None) -> int:
    args = parse_args(argv)
    final = publish(args.in_file, args.out_file, args.config)
    print(f'wrote {final}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
