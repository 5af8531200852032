"""Convert an authors' PSTL checkpoint into an MMEngine checkpoint.

Usage::

    python tools/convert_official_ckpt.py IN.pt OUT.pth [--layout nturgb+d]

``IN`` is the authors' saved encoder state dict (or their whole pretraining
model's, ``encoder.*`` / ``btwins_head.*``). ``OUT`` holds ``backbone.*``
keys for :class:`MaskableSTGCN` under ``state_dict``, ready for
``load_from=OUT`` or
``model.backbone.init_cfg=dict(type='Pretrained', checkpoint=OUT,
prefix='backbone.')``. A state dict whose keys or shapes do not match is
refused, naming them; nothing is written then.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

import torch

import pstl_mm  # noqa: F401
from pstl_mm.models.backbones import MaskableSTGCN
from pstl_mm.official_checkpoint import (OfficialCheckpointError,
                                         convert_official_state_dict,
                                         load_official_file)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the authors' checkpoint")
    parser.add_argument('dst', help='the MMEngine checkpoint to write')
    parser.add_argument('--layout', default='nturgb+d')
    parser.add_argument('--in-channels', type=int, default=3)
    parser.add_argument('--hidden-channels', type=int, default=16)
    parser.add_argument('--out-channels', type=int, default=256)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    backbone = MaskableSTGCN(
        in_channels=args.in_channels,
        hidden_channels=args.hidden_channels,
        out_channels=args.out_channels,
        layout=args.layout)
    try:
        official, source = load_official_file(args.src)
        state_dict = convert_official_state_dict(
            official, backbone, source=source)
    except OfficialCheckpointError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    checkpoint = dict(
        state_dict=state_dict,
        meta=dict(
            converted_from=osp.abspath(args.src),
            backbone=dict(
                type='MaskableSTGCN',
                layout=args.layout,
                in_channels=args.in_channels,
                hidden_channels=args.hidden_channels,
                out_channels=args.out_channels)))
    out_dir = osp.dirname(osp.abspath(args.dst))
    os.makedirs(out_dir, exist_ok=True)
    # Write beside the target, then rename: a failure never leaves a
    # partial file under the final name.
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(checkpoint, tmp)
        os.replace(tmp, args.dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    print(f'converted {len(state_dict)} tensors from {source} to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
