"""Convert PKU-MMD part I or II (cross-subject) to PSTL's data files.

Usage::

    python tools/data/convert_pku_mmd.py --part 1 --raw-dir PKU_MMD_DIR
        --out-dir data/pku_mmd1 [--num-frames 50] [--check]
    python tools/data/convert_pku_mmd.py --part 1 --out-dir data/pku_mmd1
        --check        # check an existing conversion only

The skeleton folder, label folder and split file are searched under
``--raw-dir`` (by content: files named after the split's videos); give
``--skeleton-dir``, ``--label-dir`` or ``--split-file`` to override.

Writes ``{out-dir}/pku{part}_pstl.pkl`` (splits ``xsub_train`` and
``xsub_val``; keypoint (2, 50, 25, 3), labels 0..50 for part I and 0..40
for part II) and the CrosSCLR arrays ``{out-dir}/xsub/{train,val}_*``.
``--check`` loads every split with ``PSTLSkeletonDataset`` and compares the
npy and label files with the pickle; exit status 1 names any problem.
Exit status 2: the conversion failed (the message names the file).
"""
import sys

from pstl_mm.converters.pku_mmd import (LAYOUT, NUM_CLASSES, NUM_PERSON, SPLITS,
                                      PKUMMDFormatError, convert_pku_mmd,
                                      dataset_name)
from pstl_mm.converters.writers import (convert_then_check,
                                      parse_converter_args, run_check)


def parse_args(argv=None):
    """Command-line arguments."""

    def add_arguments(parser):
        """The options naming the source and the output."""
        parser.add_argument('--part', type=int, choices=(1, 2), required=True)
        parser.add_argument('--raw-dir', help='the extracted PKU-MMD release')
        parser.add_argument('--out-dir', help='default: data/pku_mmd{part}')
        parser.add_argument('--skeleton-dir', help='folder of <video>.txt '
                            'skeleton files (default: searched in '
                            '--raw-dir)')
        parser.add_argument('--label-dir', help='folder of <video>.txt '
                            'label files (default: searched in --raw-dir)')
        parser.add_argument('--split-file', help='cross-subject split file '
                            '(default: searched in --raw-dir)')

    args = parse_converter_args(__doc__, add_arguments, argv)
    if args.out_dir is None:
        args.out_dir = f'data/pku_mmd{args.part}'
    return args


def main(argv=None) -> int:
    """Convert and/or check; return the exit status."""
    args = parse_args(argv)
    sources = (args.raw_dir, args.skeleton_dir, args.label_dir,
               args.split_file)
    convert = None if all(s is None for s in sources) else \
        lambda: convert_pku_mmd(
            args.part, args.out_dir, raw_dir=args.raw_dir,
            skeleton_dir=args.skeleton_dir, label_dir=args.label_dir,
            split_file=args.split_file, num_frames=args.num_frames,
            progress=not args.no_progress)
    check = None if not args.check else lambda: run_check(
        args.out_dir, dataset_name(args.part), SPLITS, LAYOUT, NUM_PERSON,
        NUM_CLASSES[args.part], args.num_frames)
    return convert_then_check(
        convert, (PKUMMDFormatError, OSError), check,
        'give --raw-dir (or --skeleton-dir, --label-dir and --split-file), '
        'or --check to verify an existing conversion')


if __name__ == '__main__':
    sys.exit(main())
