"""Convert NW-UCLA (cross-view) to PSTL's data files.

Usage::

    python tools/data/convert_nw_ucla.py --src nw_ucla_all_sqe.tgz
        [--out-dir data/nw_ucla] [--num-frames 50] [--check]
    python tools/data/convert_nw_ucla.py --out-dir data/nw_ucla --check
        # check an existing conversion only

``--src`` is the ``all_sqe`` archive (read as a stream, nothing is
extracted) or a folder holding ``all_sqe/``. Writes
``{out-dir}/nw_ucla_pstl.pkl`` (splits ``xview_train`` = views 1 and 2,
``xview_val`` = view 3; keypoint (1, 50, 20, 3), layout ``kinect_v1``,
labels 0..9) and the CrosSCLR arrays ``{out-dir}/xview/{train,val}_*``.
``--check`` loads every split with ``PSTLSkeletonDataset`` and compares the
npy and label files with the pickle; exit status 1 names any problem.
Exit status 2: the conversion failed (the message names the file/member).
"""
import sys

from pstl_mm.converters.nw_ucla import (LAYOUT, NAME, NUM_CLASSES, NUM_PERSON,
                                      SPLITS, NWUCLAFormatError,
                                      convert_nw_ucla)
from pstl_mm.converters.writers import (convert_then_check,
                                      parse_converter_args, run_check)


def parse_args(argv=None):
    """Command-line arguments."""

    def add_arguments(parser):
        """The options naming the source and the output."""
        parser.add_argument('--src', help='nw_ucla_all_sqe.tgz, or a folder '
                            'holding all_sqe/')
        parser.add_argument('--out-dir', default='data/nw_ucla')

    return parse_converter_args(__doc__, add_arguments, argv)


def main(argv=None) -> int:
    """Convert and/or check; return the exit status."""
    args = parse_args(argv)
    convert = None if args.src is None else lambda: convert_nw_ucla(
        args.src, args.out_dir, num_frames=args.num_frames,
        progress=not args.no_progress)
    check = None if not args.check else lambda: run_check(
        args.out_dir, NAME, SPLITS, LAYOUT, NUM_PERSON, NUM_CLASSES,
        args.num_frames)
    return convert_then_check(
        convert, (NWUCLAFormatError, OSError), check,
        'give --src (the archive or the folder holding all_sqe/), or '
        '--check to verify an existing conversion')


if __name__ == '__main__':
    sys.exit(main())
