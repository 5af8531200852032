"""Fuse the class scores of several streams (3s-PSTL: joint + bone + motion).

Usage::

    python tools/test.py configs/pstl/linear/linear_ntu60_xsub.py J.pth --dump j.pkl
    python tools/test.py configs/pstl/linear/linear_ntu60_xsub_bone.py B.pth --dump b.pkl
    python tools/test.py configs/pstl/linear/linear_ntu60_xsub_motion.py M.pth --dump m.pkl
    python tools/fuse_streams.py j.pkl b.pkl m.pkl [--weights 1 1 1]

Prints every stream's top-1/top-5 and those of the weighted sum of their
softmax scores. The dumps must hold the same samples in the same order
(checked by sample name where the dumps carry one, and by label): anything
else is an error naming the dump and the first mismatch.
"""
import argparse
import sys

from pstl_mm.evaluation.stream_fusion import FusionError, fuse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dumps', nargs='+', help='tools/test.py --dump files')
    parser.add_argument('--weights', nargs='+', type=float, default=None)
    args = parser.parse_args(argv)
    try:
        report = fuse(args.dumps, args.weights)
    except FusionError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    width = max(len(k) for k in report)
    print(f'{"stream":<{width}}  {"top1":>7}  {"top5":>7}')
    for name, (top1, top5) in report.items():
        print(f'{name:<{width}}  {100 * top1:>6.2f}%  {100 * top5:>6.2f}%')
    return 0


if __name__ == '__main__':
    sys.exit(main())
