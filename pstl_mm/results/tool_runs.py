"""The runs of a results pipeline: tools/train.py and tools/test.py as
subprocesses, their output in a file, the pretraining's epochs followed."""
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Callable, List, Optional

#: A training log line at the end of an epoch: epoch, iteration, total, loss.
EPOCH_LINE = re.compile(
    r'Epoch\(train\)\s+\[(\d+)\]\[(\d+)/(\d+)\].*?\sloss: ([\d.e+-]+)')


class ToolError(RuntimeError):
    """A tool run failed; the message holds the end of its output."""


def cfg_options(options: dict) -> List[str]:
    """``--cfg-options`` arguments of a dict: ``['key=value', ...]``."""
    return [f'{key}={value}' for key, value in options.items()]


def run_tool(argv: List[str], out_file: str,
             progress: Optional[Callable[[], None]] = None,
             poll_s: float = 2.0) -> None:
    """Run ``python argv`` with its output appended to ``out_file``.

    Args:
        argv (list[str]): The tool and its arguments.
        out_file (str): Receives stdout and stderr.
        progress (callable, optional): Called every ``poll_s`` seconds and
            once at the end.
        poll_s (float): Seconds between the calls.

    Raises:
        ToolError: The tool exited non-zero; the message names it and holds
            the last 30 lines of its output.
    """
    os.makedirs(osp.dirname(out_file) or '.', exist_ok=True)
    with open(out_file, 'a') as out:
        proc = subprocess.Popen([sys.executable] + argv, stdout=out,
                                stderr=subprocess.STDOUT)
        while proc.poll() is None:
            time.sleep(poll_s)
            if progress is not None:
                progress()
    if progress is not None:
        progress()
    if proc.returncode:
        with open(out_file, errors='replace') as f:
            tail = ''.join(f.readlines()[-30:])
        raise ToolError(f'{" ".join(argv[:2])} failed (exit '
                        f'{proc.returncode}); the end of {out_file}:\n{tail}')


class EpochProgress:
    """Reports each training epoch that a log file gains from now on.

    Reads only what the file gained since the last call, whole lines, so
    the lines of an earlier attempt are not reported again.

    Args:
        out_file (str): The training output.
        report (callable): Called with (epoch, loss) once per finished
            epoch.
    """

    def __init__(self, out_file: str,
                 report: Callable[[int, float], None]) -> None:
        self.out_file = out_file
        self.report = report
        self.done = 0
        self.offset = osp.getsize(out_file) if osp.isfile(out_file) else 0

    def __call__(self) -> None:
        if not osp.isfile(self.out_file):
            return
        with open(self.out_file, 'rb') as f:
            f.seek(self.offset)
            lines = f.readlines()
        if lines and not lines[-1].endswith(b'\n'):
            lines.pop()
        self.offset += sum(len(line) for line in lines)
        for line in lines:
            match = EPOCH_LINE.search(line.decode(errors='replace'))
            if not match:
                continue
            epoch, it, total, loss = match.groups()
            if it == total and int(epoch) > self.done:
                self.done = int(epoch)
                self.report(self.done, float(loss))


def train_argv(root: str, config: str, work_dir: str, seed: int,
               options: dict, resume: bool = False) -> List[str]:
    """The ``tools/train.py`` command line of a pretraining."""
    argv = [osp.join(root, 'tools', 'train.py'), config, '--work-dir',
            work_dir, '--seed', str(seed)]
    if resume:
        argv.append('--resume')
    return argv + ['--cfg-options'] + cfg_options(options)


def test_argv(root: str, config: str, checkpoint: str, work_dir: str,
              options: dict) -> List[str]:
    """The ``tools/test.py`` command line of an evaluation."""
    return [osp.join(root, 'tools', 'test.py'), config, checkpoint,
            '--work-dir', work_dir, '--cfg-options'] + cfg_options(options)
