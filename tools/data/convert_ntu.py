"""Convert raw NTU RGB+D 60/120 ``.skeleton`` files for PSTL.

Usage::

    python tools/data/convert_ntu.py --dataset ntu60 \\
        --raw-dir RAW_SKELETON_DIR --out-dir data/ntu60
    python tools/data/convert_ntu.py --dataset ntu120 \\
        --raw-dir RAW_SKELETON_DIR --out-dir data/ntu120
    python tools/data/convert_ntu.py --dataset ntu60 --out-dir data/ntu60 \\
        --check

Writes ``{out-dir}/{dataset}_pstl.pkl`` (MMAction2 annotations, splits
``xsub_train/val`` and ``xview_train/val`` (NTU-60) or ``xset_train/val``
(NTU-120)) and the CrosSCLR arrays ``{out-dir}/<benchmark>/<part>_data_joint
.npy`` + ``<part>_label.pkl``. Each sample keeps the 2 bodies of highest
motion energy and is preprocessed as in the paper (valid frames, centred on
joint 21, shoulders along x, 50 frames). Empty and corrupt files are skipped
and listed in the summary. ``--check`` validates an existing output and exits
with 1 on any problem. The logic is in :mod:`pstl_mm.converters.ntu`.
"""
import argparse
import os.path as osp
import sys

from pstl_mm.converters.ntu import DATASETS, check_ntu_output, convert_ntu
from pstl_mm.converters.writers import convert_and_report, print_check


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', required=True, choices=sorted(DATASETS))
    parser.add_argument('--raw-dir', help='folder of the raw *.skeleton files '
                        '(searched recursively); not needed with --check')
    parser.add_argument('--out-dir', required=True, help='output folder, '
                        'e.g. data/ntu60')
    parser.add_argument('--num-frames', type=int, default=50,
                        help='frames per sample after resizing (default 50)')
    parser.add_argument('--workers', type=int, default=1,
                        help='parsing processes (default 1)')
    parser.add_argument('--check', action='store_true', help='validate an '
                        'existing output instead of converting')
    args = parser.parse_args(argv)
    if not args.check and not args.raw_dir:
        parser.error('--raw-dir is required unless --check is given')
    if args.num_frames < 1:
        parser.error(f'--num-frames must be >= 1, got {args.num_frames}')
    return args


def check(args: argparse.Namespace) -> int:
    """``--check``: print the report; 0 when good, 1 on any problem."""
    problems, lines = check_ntu_output(args.dataset, args.out_dir,
                                       args.num_frames)
    return print_check(osp.join(args.out_dir, f'{args.dataset}_pstl.pkl'),
                       lines, problems)


def main(argv=None) -> int:
    """Entry point; returns the exit code."""
    args = parse_args(argv)
    if args.check:
        return check(args)
    try:
        result = convert_and_report(
            lambda: convert_ntu(args.dataset, args.raw_dir, args.out_dir,
                                args.num_frames, workers=args.workers),
            (FileNotFoundError, RuntimeError))
    except KeyboardInterrupt:
        print('interrupted: outputs are only written once every file is '
              'converted; if it stopped while moving them into place, run '
              'again or use --check', file=sys.stderr)
        return 130
    if result is None:
        return 1
    ignored = result[2]
    if ignored:
        print(f'files ignored (not in {args.dataset}): {ignored}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
