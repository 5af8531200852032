"""A stored step counts only for the fingerprint it was computed with."""
import json

from pstl_mm.results import StepStore


def test_an_unchanged_fingerprint_is_reused_a_changed_one_reruns(tmp_path):
    store = StepStore(str(tmp_path), commit='abc')
    calls = []

    def compute(value):
        return lambda: calls.append(value) or dict(top1=value)

    assert store.cached('run', 'evaluate', 'fp1', compute(1)) == dict(top1=1)
    assert store.cached('run', 'evaluate', 'fp1', compute(2)) == dict(top1=1)
    assert calls == [1]
    assert store.cached('run', 'evaluate', 'fp2', compute(3)) == dict(top1=3)
    assert calls == [1, 3]
    assert store.load('run', 'evaluate', 'fp1') is None
    saved = json.loads((tmp_path / 'run' / 'evaluate.json').read_text())
    assert saved == dict(fingerprint='fp2', commit='abc', result=dict(top1=3))
    # The whole record (its commit with it) for its own fingerprint only.
    assert store.matching('run', 'evaluate', 'fp2') == saved
    assert store.matching('run', 'evaluate', 'fp1') is None


def test_nothing_stored_is_nothing_loaded(tmp_path):
    store = StepStore(str(tmp_path))
    assert store.load('run', 'pretrain', 'fp') is None
    assert store.record('run', 'pretrain') is None


def test_records_are_published_and_reused_only_when_asked(tmp_path):
    work, published = tmp_path / 'work', tmp_path / 'docs'
    StepStore(str(work), commit='abc', published=str(published)).save(
        'run', 'evaluate', 'fp1', dict(top1=1))
    record = dict(fingerprint='fp1', commit='abc', result=dict(top1=1))
    assert json.loads((published / 'run' / 'evaluate.json').read_text()) \
        == record
    # A fresh work dir: the published record counts only when asked.
    fresh = StepStore(str(tmp_path / 'fresh'), published=str(published))
    assert fresh.load('run', 'evaluate', 'fp1') is None
    reuse = StepStore(str(tmp_path / 'fresh'), published=str(published),
                      reuse_published=True)
    assert reuse.record('run', 'evaluate') == record
    assert reuse.load('run', 'evaluate', 'fp1') == dict(top1=1)
    assert reuse.load('run', 'evaluate', 'fp2') is None
    # The work dir's own record comes first.
    StepStore(str(tmp_path / 'fresh')).save('run', 'evaluate', 'fp2',
                                            dict(top1=2))
    assert reuse.load('run', 'evaluate', 'fp2') == dict(top1=2)
    assert reuse.load('run', 'evaluate', 'fp1') is None
