"""The one command line of every converter.

``tools/data/convert.py`` runs :func:`main`::

    python tools/data/convert.py DATASET --src RAW [--out-dir OUT] [--check]
        [--no-progress] [dataset options]

DATASET is a key of :func:`pstl_mm.converters.converters` (``ntu60``,
``ntu120``, ``pku_mmd1``, ``pku_mmd2``, ``nw_ucla``); ``--out-dir``
defaults to ``data/DATASET``. The dataset options are the converter's
:class:`~pstl_mm.converters.interface.Option` s (``--num-frames`` for all,
``--preprocess`` for NTU and PKU-MMD, ``--workers`` and ``--missing-list``
for NTU, ``--skeleton-dir`` / ``--label-dir`` / ``--split-file`` for
PKU-MMD); ``convert.py DATASET --help`` lists them.

With ``--src`` (or a PKU-MMD source folder) it converts; with ``--check``
it then validates the output, or alone validates an existing output
without converting. Exit status: 0 done (and the check passed), 1 the
check found a problem, 2 the conversion failed (the message names the
file or sample) or the arguments are wrong, 130 interrupted.
"""
import argparse
import os.path as osp
import sys
from typing import Any, Callable, Dict, Optional, Sequence

from . import converters
from .interface import ConversionError, Converter, Option

EPILOG = """\
examples:
  convert.py ntu60 --src RAW_SKELETON_DIR --out-dir data/ntu60 --workers 4
  convert.py pku_mmd1 --src PKU_MMD_DIR --out-dir data/pku_mmd1 --check
  convert.py nw_ucla --src nw_ucla_all_sqe.tgz --out-dir data/nw_ucla
  convert.py ntu60 --out-dir data/ntu60 --check   (validate only)
  convert.py DATASET --help                       (the dataset's options)

--out-dir defaults to data/DATASET. With --src it converts; with --check it
then validates the output, or alone validates an existing output without
converting. Exit status: 0 done (and the check passed), 1 the check found a
problem, 2 the conversion failed (the message names the file or sample) or
the arguments are wrong, 130 interrupted."""
INTERRUPTED = ('interrupted: the outputs are only written once every sample '
               'is converted, then moved into place together; if it stopped '
               'while moving them, run it again (or validate with --check)')


def _parse_value(option: Option) -> Callable[[str], Any]:
    """The argparse ``type`` of ``option``: parse, then validate."""

    def parse(text: str) -> Any:
        try:
            value = option.type(text)
            option.validate(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        return value

    parse.__name__ = option.type.__name__  # argparse names it in errors
    return parse


def build_parser(table: Dict[str, Converter]) -> argparse.ArgumentParser:
    """The parser: one sub-command per DATASET, with its options.

    Args:
        table (dict[str, Converter]): DATASET name -> converter.

    Returns:
        argparse.ArgumentParser: The parser.
    """
    parser = argparse.ArgumentParser(
        prog='convert.py',
        description='Convert a raw skeleton release for PSTL.',
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    datasets = parser.add_subparsers(dest='dataset', metavar='DATASET',
                                     required=True)
    for name, converter in table.items():
        summary = converter.module.__doc__.split('\n')[0].replace(
            '``', '').rstrip('.')
        fixed = ', '.join(f'{k}={v!r}' for k, v in converter.fixed.items())
        if fixed:
            summary = f'{summary} ({fixed})'
        sub = datasets.add_parser(name, help=summary, description=summary)
        sub.add_argument('--src', help=converter.source)
        sub.add_argument('--out-dir', default=osp.join('data', name),
                         help=f'output folder (default data/{name})')
        sub.add_argument('--check', action='store_true',
                         help='validate the written files (alone: validate '
                         'an existing output without converting)')
        sub.add_argument('--no-progress', action='store_true',
                         help='no progress bar')
        for option in converter.options:
            sub.add_argument(option.flag, dest=option.name,
                             default=option.default, type=_parse_value(option),
                             choices=option.choices, help=option.help)
    return parser


def run(converter: Converter, src: Optional[str], out_dir: str,
        check: bool, progress: bool, options: Dict[str, Any]) -> int:
    """Convert and/or check; print the summary and the check's report.

    Args:
        converter (Converter): The DATASET's converter.
        src (str, optional): The raw release.
        out_dir (str): Output folder.
        check (bool): Validate the output (after converting, if converting).
        progress (bool): Show the conversion's progress bar.
        options (dict): Values of ``converter.options``.

    Returns:
        int: The exit status (see the module docstring).
    """
    sources = [o.name for o in converter.options if o.source]
    if src is None and all(options[n] is None for n in sources):
        if not check:
            flags = ' / '.join(['--src'] + [o.flag for o in converter.options
                                            if o.source])
            print(f'error: give {flags} ({converter.source}) to convert, '
                  f'or --check to validate an existing output in {out_dir}',
                  file=sys.stderr)
            return 2
    else:
        try:
            summary = converter.convert(src, out_dir, progress=progress,
                                        **options)
        except (ConversionError, OSError) as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(INTERRUPTED, file=sys.stderr)
            return 130
        print(summary.report())
    if not check:
        return 0
    report = converter.check(out_dir, **{
        o.name: options[o.name] for o in converter.options if o.check})
    print(report.format())
    return 0 if report.ok else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse the command line and run it.

    Args:
        argv (list[str], optional): Arguments (default ``sys.argv[1:]``).

    Returns:
        int: The exit status (see the module docstring).
    """
    table = converters()
    args = build_parser(table).parse_args(argv)
    converter = table[args.dataset]
    options = {o.name: getattr(args, o.name) for o in converter.options}
    return run(converter, args.src, args.out_dir, args.check,
               not args.no_progress, options)
