"""3-stream score fusion on known score dumps."""
import pickle

import pytest
import torch

from pstl_mm.evaluation import stream_fusion as fuse_streams


def dump(path, scores, labels, names=None):
    results = []
    for i, (s, y) in enumerate(zip(scores, labels)):
        r = dict(pred_score=torch.tensor(s, dtype=torch.float32),
                 gt_label=torch.tensor(y), num_classes=len(s))
        if names is not None:
            r['frame_dir'] = names[i]
        results.append(r)
    path.write_bytes(pickle.dumps(results))
    return str(path)


def test_fusion_of_known_scores(tmp_path):
    labels = [0, 1, 2, 2]
    names = ['a', 'b', 'c', 'd']
    # joint: right on a, b; bone: right on c, d; motion: weak, wrong on d
    j = dump(tmp_path / 'j.pkl', [[.9, .1, 0], [.1, .8, .1], [.6, .3, .1],
                                  [.5, .4, .1]], labels, names)
    b = dump(tmp_path / 'b.pkl', [[.2, .7, .1], [.6, .3, .1], [.1, .1, .8],
                                  [.1, .2, .7]], labels, names)
    m = dump(tmp_path / 'm.pkl', [[.4, .3, .3], [.3, .4, .3], [.3, .3, .4],
                                  [.4, .3, .3]], labels, names)
    report = fuse_streams.fuse([j, b, m])
    assert report['j.pkl'][0] == 0.5
    assert report['b.pkl'][0] == 0.5
    assert report['m.pkl'][0] == 0.75
    # sums: a [1.5,1.1,.4] ok; b [1.0,1.5,.5] ok; c [1.0,.7,1.3] ok;
    # d [1.0,.9,1.1] ok
    assert report['fused'] == (1.0, 1.0)
    weighted = fuse_streams.fuse([j, b, m], [1.0, 0.1, 0.0])
    assert weighted['fused'][0] == 0.5


def test_mismatched_dumps_are_errors(tmp_path):
    j = dump(tmp_path / 'j.pkl', [[1, 0], [0, 1]], [0, 1], ['a', 'b'])
    swapped = dump(tmp_path / 's.pkl', [[0, 1], [1, 0]], [1, 0], ['b', 'a'])
    short = dump(tmp_path / 'x.pkl', [[1, 0]], [0], ['a'])
    unnamed = dump(tmp_path / 'u.pkl', [[0, 1], [1, 0]], [1, 0])
    with pytest.raises(fuse_streams.FusionError,
                       match=r"s.pkl: sample 0 is 'b' but 'a'"):
        fuse_streams.fuse([j, swapped])
    with pytest.raises(fuse_streams.FusionError, match=r'1 samples x 2'):
        fuse_streams.fuse([j, short])
    with pytest.raises(fuse_streams.FusionError,
                       match=r'sample 0 has label 1 but 0'):
        fuse_streams.fuse([j, unnamed])
    with pytest.raises(fuse_streams.FusionError, match='3 weights for 2'):
        fuse_streams.fuse([j, j], [1, 1, 1])


def test_a_dump_that_runs_code_is_refused(tmp_path):
    target = tmp_path / 'pwned'

    class Evil:

        def __reduce__(self):
            return (open, (str(target), 'w'))

    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps([dict(pred_score=Evil())]))
    from pstl_mm.datasets.safe_pickle import UnsafePickleError
    with pytest.raises(UnsafePickleError):
        fuse_streams.load_scores(str(path))
    assert not target.exists()
