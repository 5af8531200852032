"""Write the synthetic demo set (procedural skeleton actions, NTU layout).

Usage::

    python tools/data/make_demo_data.py [--out data/demo/synthetic_demo.pkl]
        [--train-per-class 30] [--test-per-class 15] [--seed 0]

Written like the converters' output (``pstl_mm.converters.writers``): an
MMAction2 skeleton annotation pickle with splits ``xsub_train`` and
``xsub_val`` (keypoint (M, 50, 25, 3) float32), readable by
``PSTLSkeletonDataset`` and MMAction2's ``PoseDataset``, and the same data in
the CrosSCLR layout (``xsub/train_data_joint.npy`` + ``train_label.pkl``, ...)
beside it.
"""
import argparse
import os.path as osp
import sys

from tqdm import tqdm

from pstl_mm.datasets.synthetic import (CLASS_NAMES,
                                        make_synthetic_annotations)
from pstl_mm.converters.writers import write_skeleton_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/demo/synthetic_demo.pkl')
    parser.add_argument('--train-per-class', type=int, default=30)
    parser.add_argument('--test-per-class', type=int, default=15)
    parser.add_argument('--num-person', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    annotations, split = [], {}
    parts = [('xsub_train', args.train_per_class, args.seed),
             ('xsub_val', args.test_per_class, args.seed + 1)]
    for name, per_class, seed in tqdm(parts, desc='synthetic splits'):
        anns = make_synthetic_annotations(
            per_class, seed=seed, num_person=args.num_person,
            prefix=name.split('_')[1])
        split[name] = [a['frame_dir'] for a in anns]
        annotations += anns
    out_dir = osp.dirname(osp.abspath(args.out))
    name = osp.splitext(osp.basename(args.out))[0]
    write_skeleton_dataset(out_dir, name, annotations, split)
    print(f'wrote {args.out}: {len(split["xsub_train"])} train / '
          f'{len(split["xsub_val"])} test clips of {len(CLASS_NAMES)} actions '
          f'({", ".join(CLASS_NAMES)})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
