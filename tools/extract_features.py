"""Write the pooled encoder features of a dataset split to an ``.npz`` file.

    python tools/extract_features.py CONFIG CHECKPOINT --ann-file F \
        [--split S] --out feats.npz [--batch-size 64] [--device cpu]

The encoder is the config's (``model.backbone``) with the checkpoint's
weights (pretraining, recognizer or published encoder file); the clips are
the config's test dataset (its stream included) with ``--ann-file`` /
``--split`` replacing the config's. The file holds ``names`` (N,),
``labels`` (N,) and ``features`` (N, 256), in the split's order.
"""
import argparse
import os
import os.path as osp
import sys


import numpy as np  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='pooled encoder features of a dataset split')
    parser.add_argument('config', help='config file (its backbone and test '
                        'dataset)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--ann-file', help="replaces the config's "
                        'annotation file')
    parser.add_argument('--split', help="replaces the config's split")
    parser.add_argument('--out', required=True, help='output .npz file')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from pstl_mm.apis import (build_clip_dataset, dataset_features,
                              init_encoder)
    encoder = init_encoder(args.config, args.checkpoint, args.device)
    dataset = build_clip_dataset(args.config, args.ann_file, args.split)
    print(f'{len(dataset)} clips of {osp.basename(args.config)}, '
          f'checkpoint {osp.basename(args.checkpoint)}')
    out = dataset_features(encoder, dataset, batch_size=args.batch_size,
                           progress=True)
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(args.out)}.tmp.npz')
    np.savez(tmp, **out)
    os.replace(tmp, args.out)
    print(f'\nwrote {args.out}: features {out["features"].shape}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
