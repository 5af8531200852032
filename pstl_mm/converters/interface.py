"""The shape every dataset converter shares.

A converter module (:mod:`~pstl_mm.converters.ntu`,
:mod:`~pstl_mm.converters.pku_mmd`, :mod:`~pstl_mm.converters.nw_ucla`)
defines, at module level (see :class:`ConverterModule`):

* ``VARIANTS``: dict DATASET name (as the command line spells it, e.g.
  ``'ntu60'``) -> the keyword arguments that name fixes (``dataset='ntu60'``,
  ``part=1``); one module may serve several datasets;
* ``OPTIONS``: the :class:`Option` s its ``convert`` takes besides those,
  each with its default and help; the command line offers exactly these, so
  a new per-dataset option is one :class:`Option` here and one keyword of
  ``convert`` (``check`` too when :attr:`Option.check` is set);
* ``SOURCE``: what ``src`` is, for the command line's help;
* ``convert(src, out_dir, **options) -> ConversionSummary``: reads the raw
  release, writes ``{out_dir}/<name>.pkl`` and the CrosSCLR arrays
  (:mod:`~pstl_mm.converters.writers`), shows a progress bar when
  ``progress`` is true; raises :class:`ConversionError` (or ``OSError``)
  naming the file or sample when the input cannot be converted, and then
  writes nothing;
* ``check(out_dir, **options) -> CheckReport``: validates a written output
  without rewriting it (:func:`~pstl_mm.converters.check.check_converted`).

:class:`Converter` binds a module to one of its DATASET names; the
command line (:mod:`~pstl_mm.converters.cli`) uses nothing else.
"""
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import (Any, Callable, Dict, List, Mapping, Optional, Protocol,
                    Sequence, Tuple)

from ..skeleton import CLIP_LENGTH


class ConversionError(ValueError):
    """A raw input cannot be converted; the message names the file or
    sample and what is wrong."""


@dataclass(frozen=True)
class Option:
    """One keyword option of a converter, and its command-line flag.

    Attributes:
        name (str): Keyword of ``convert`` (``num_frames``); the flag is
            ``--num-frames``.
        default (Any): Value when the flag is not given.
        help (str): Help text of the flag.
        type (callable): Parses the flag's text. Defaults to ``str``.
        minimum (int, optional): Smallest value accepted.
        choices (tuple, optional): The values accepted.
        check (bool): ``check`` takes it too (e.g. the expected number of
            frames). Defaults to False.
        source (bool): It names an input, so giving it asks for a
            conversion even without ``--src``. Defaults to False.
    """

    name: str
    default: Any
    help: str
    type: Callable[[str], Any] = str
    minimum: Optional[int] = None
    choices: Optional[Tuple[Any, ...]] = None
    check: bool = False
    source: bool = False

    @property
    def flag(self) -> str:
        """The command-line flag, ``--`` and the name with dashes."""
        return '--' + self.name.replace('_', '-')

    def validate(self, value: Any) -> None:
        """Raise ``ValueError`` naming the flag when ``value`` is refused.

        Args:
            value (Any): A value of the option (``None`` is accepted: the
                option was not given).
        """
        if value is None:
            return
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f'{self.flag} must be at least {self.minimum}, '
                             f'got {value}')
        if self.choices is not None and value not in self.choices:
            raise ValueError(f'{self.flag} must be one of {self.choices}, '
                             f'got {value!r}')


NUM_FRAMES = Option(
    'num_frames', CLIP_LENGTH, 'frames per sample after resizing (default '
    f'{CLIP_LENGTH}, the clip length the configs expect: '
    'pstl_mm.skeleton.CLIP_LENGTH)', int, minimum=1, check=True)
PREPROCESS = Option(
    'preprocess', 'aimclr', "'aimclr' (default): the CrosSCLR/AimCLR "
    "scripts' preprocessing, on which the paper's numbers were obtained "
    '(body slots in file order, per-body per-frame centring, prefix resize, '
    "per-frame y rotation); 'normalize': bodies by motion energy, valid "
    'frames only, one rigid rotation per clip', choices=('aimclr',
                                                         'normalize'))


@dataclass
class ConversionSummary:
    """What a conversion wrote and what it left out.

    Attributes:
        files (list[str]): The files written, in the order written.
        written (int): Samples written.
        skipped (list[tuple[str, str]]): ``(sample or file, reason)`` of
            every sample left out.
        ignored (dict[str, int]): Why -> number of input files not meant
            for this dataset (e.g. NTU-120 files in an NTU-60 conversion);
            not problems, only reported.
        notes (list[str]): Other facts the user should know (e.g. that no
            missing-skeleton list was found).
    """

    files: List[str] = field(default_factory=list)
    written: int = 0
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    ignored: Dict[str, int] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    def skip(self, name: str, reason: str) -> None:
        """Record a skipped sample (or input file) and why."""
        self.skipped.append((name, reason))

    def report(self) -> str:
        """The summary as text: counts, reasons with examples, files."""
        lines = [f'samples written: {self.written}',
                 f'samples skipped: {len(self.skipped)}']
        for reason, count in Counter(r for _, r in self.skipped).items():
            examples = [n for n, r in self.skipped if r == reason][:3]
            lines.append(f'  {count} x {reason} (e.g. {", ".join(examples)})')
        lines += [f'files ignored ({why}): {count}'
                  for why, count in self.ignored.items() if count]
        lines += [f'note: {note}' for note in self.notes]
        lines += [f'wrote {f}' for f in self.files]
        return '\n'.join(lines)


@dataclass
class CheckReport:
    """The result of validating a written output.

    Attributes:
        pkl (str): The annotation pickle checked.
        lines (list[str]): What was checked (one line per split, with its
            class histogram).
        problems (list[str]): What is wrong, each naming the file; empty
            when the output is good.
    """

    pkl: str
    lines: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def format(self) -> str:
        """The report as printed by ``--check``."""
        out = [f'check of {self.pkl}:']
        out += [f'  {line}' for line in self.lines]
        out += [f'  PROBLEM: {problem}' for problem in self.problems]
        if self.problems:
            out.append(f'CHECK FAILED: {len(self.problems)} problem(s) in '
                       f'{osp.dirname(self.pkl) or "."}')
        else:
            out.append('check: OK (every check passed)')
        return '\n'.join(out)


class ConverterModule(Protocol):
    """What a converter module defines (see the module docstring)."""

    VARIANTS: Mapping[str, Mapping[str, Any]]
    OPTIONS: Sequence[Option]
    SOURCE: str

    def convert(self, src: Optional[str], out_dir: str,
                **options: Any) -> ConversionSummary:
        """Convert ``src`` into ``out_dir``."""

    def check(self, out_dir: str, **options: Any) -> CheckReport:
        """Validate the output in ``out_dir``."""


@dataclass(frozen=True)
class Converter:
    """One DATASET of the command line: a module and the options its name
    fixes.

    Attributes:
        name (str): The DATASET name (``'ntu60'``).
        module (ConverterModule): The converter module.
    """

    name: str
    module: ModuleType

    @property
    def fixed(self) -> Mapping[str, Any]:
        """The keyword arguments the name fixes (``dataset='ntu60'``)."""
        return self.module.VARIANTS[self.name]

    @property
    def options(self) -> Sequence[Option]:
        """The options the user may set."""
        return self.module.OPTIONS

    @property
    def source(self) -> str:
        """What ``src`` is."""
        return self.module.SOURCE

    def convert(self, src: Optional[str], out_dir: str,
                **options: Any) -> ConversionSummary:
        """``module.convert`` with the options of the name.

        Args:
            src (str, optional): The raw release.
            out_dir (str): Output folder.
            **options: Values of :attr:`options` and ``progress``.

        Returns:
            ConversionSummary: What was written and skipped.
        """
        return self.module.convert(src, out_dir, **self.fixed, **options)

    def check(self, out_dir: str, **options: Any) -> CheckReport:
        """``module.check`` with the options of the name.

        Args:
            out_dir (str): The folder given to :meth:`convert`.
            **options: Values of the :attr:`options` whose ``check`` is set.

        Returns:
            CheckReport: The result.
        """
        return self.module.check(out_dir, **self.fixed, **options)
