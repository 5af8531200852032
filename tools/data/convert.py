"""Convert a raw skeleton release for PSTL: one command for every dataset.

Usage::

    python tools/data/convert.py DATASET --src RAW [--out-dir OUT]
        [--check] [--no-progress] [dataset options]
    python tools/data/convert.py DATASET [--out-dir OUT] --check
        # validate an existing output only
    python tools/data/convert.py DATASET --help   # the dataset's options

DATASET is ``ntu60``, ``ntu120`` (``--src``: folder of raw ``.skeleton``
files), ``pku_mmd1``, ``pku_mmd2`` (``--src``: the extracted PKU-MMD
release) or ``nw_ucla`` (``--src``: ``nw_ucla_all_sqe.tgz`` or a folder
holding ``all_sqe/``); ``--out-dir`` defaults to ``data/DATASET``. Writes
the MMAction2 annotation pickle (``ntu60_pstl.pkl``, ``ntu120_pstl.pkl``,
``pku1_pstl.pkl``, ``pku2_pstl.pkl``, ``nw_ucla_pstl.pkl``) and the
CrosSCLR arrays ``<benchmark>/<part>_data_joint.npy`` + ``_label.pkl``.
The logic is in :mod:`pstl_mm.converters` (:func:`pstl_mm.converters.cli.
main`); exit status 0 done, 1 ``--check`` found a problem, 2 the
conversion failed, 130 interrupted.
"""
import sys

from pstl_mm.converters.cli import main

if __name__ == '__main__':
    sys.exit(main())
