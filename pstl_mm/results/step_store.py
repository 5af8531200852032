"""Finished steps of a results run, reused while their fingerprint holds."""
import json
import os
import os.path as osp
from typing import Optional


class StepStore:
    """Keeps each step's record (fingerprint, commit, result) in
    ``<work_dir>/<run>/<step>.json``, and a copy in
    ``<published>/<run>/<step>.json`` beside the run's logs, to be committed
    with them.

    A stored result counts only for the fingerprint it was computed with:
    :meth:`load` returns nothing for another one, so the step runs again.
    With ``reuse_published`` a step missing from the work dir is read from
    its published copy: a fresh clone goes on where a committed run
    stopped, recomputing only what its records lack.

    Args:
        work_dir (str): The results run's folder.
        commit (str, optional): The git commit recorded with new results.
        published (str, optional): Where copies of the records are written
            (e.g. ``docs/results_<dataset>``); None: nowhere.
        reuse_published (bool): Read the published copies too.
    """

    def __init__(self, work_dir: str, commit: Optional[str] = None,
                 published: Optional[str] = None,
                 reuse_published: bool = False) -> None:
        self.work_dir = work_dir
        self.commit = commit
        self.published = published
        self.reuse_published = reuse_published and published is not None

    def path(self, run: str, *names: str) -> str:
        """A path in the run's folder."""
        return osp.join(self.work_dir, run, *names)

    def record(self, run: str, step: str) -> Optional[dict]:
        """The stored ``fingerprint``, ``commit`` and ``result``, if any:
        the work dir's, else (with ``reuse_published``) the published
        copy."""
        folders = [self.work_dir]
        if self.reuse_published:
            folders.append(self.published)
        for folder in folders:
            path = osp.join(folder, run, f'{step}.json')
            if osp.isfile(path):
                with open(path) as f:
                    return json.load(f)
        return None

    def matching(self, run: str, step: str,
                 fingerprint: str) -> Optional[dict]:
        """The stored record (:meth:`record`) if it was computed with
        ``fingerprint``, else None."""
        record = self.record(run, step)
        if record is None or record.get('fingerprint') != fingerprint:
            return None
        return record

    def load(self, run: str, step: str, fingerprint: str):
        """The stored result if it was computed with ``fingerprint``."""
        record = self.matching(run, step, fingerprint)
        return None if record is None else record['result']

    def save(self, run: str, step: str, fingerprint: str, result) -> None:
        """Store ``result`` (JSON-serialisable) with its fingerprint, in the
        work dir and, if set, the published folder."""
        record = dict(fingerprint=fingerprint, commit=self.commit,
                      result=result)
        for folder in (self.work_dir, self.published):
            if folder is not None:
                _write_json(osp.join(folder, run), f'{step}.json', record)

    def cached(self, run: str, step: str, fingerprint: str, compute):
        """The stored result, or ``compute()``'s, then stored.

        Args:
            run (str): The run.
            step (str): The step.
            fingerprint (str): What the result must have been computed
                with.
            compute (callable): Computes the result when none fits.

        Returns:
            The result.
        """
        result = self.load(run, step, fingerprint)
        if result is None:
            result = compute()
            self.save(run, step, fingerprint, result)
        return result


def _write_json(folder: str, name: str, value) -> None:
    """Write ``folder/name`` whole or not at all."""
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{name}.tmp')
    with open(tmp, 'w') as f:
        json.dump(value, f, indent=2)
        f.write('\n')
    os.replace(tmp, osp.join(folder, name))
