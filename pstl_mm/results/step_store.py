"""Finished steps of a results run, reused while their fingerprint holds."""
import json
import os
import os.path as osp
from typing import Optional


class StepStore:
    """Keeps each step's result in ``<work_dir>/<run>/<step>.json``.

    A stored result counts only for the fingerprint it was computed with:
    :meth:`load` returns nothing for another one, so the step runs again.

    Args:
        work_dir (str): The results run's folder.
        commit (str, optional): The git commit recorded with new results.
    """

    def __init__(self, work_dir: str, commit: Optional[str] = None) -> None:
        self.work_dir = work_dir
        self.commit = commit

    def path(self, run: str, *names: str) -> str:
        """A path in the run's folder."""
        return osp.join(self.work_dir, run, *names)

    def record(self, run: str, step: str) -> Optional[dict]:
        """The stored ``fingerprint``, ``commit`` and ``result``, if any."""
        path = self.path(run, f'{step}.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)

    def load(self, run: str, step: str, fingerprint: str):
        """The stored result if it was computed with ``fingerprint``."""
        record = self.record(run, step)
        if record is None or record.get('fingerprint') != fingerprint:
            return None
        return record['result']

    def save(self, run: str, step: str, fingerprint: str, result) -> None:
        """Store ``result`` (JSON-serialisable) with its fingerprint."""
        os.makedirs(self.path(run), exist_ok=True)
        tmp = self.path(run, f'.{step}.json.tmp')
        with open(tmp, 'w') as f:
            json.dump(dict(fingerprint=fingerprint, commit=self.commit,
                           result=result), f, indent=2)
        os.replace(tmp, self.path(run, f'{step}.json'))

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
