"""The tables and the markers they go between."""
from pstl_mm.results import tables, write_between_markers


def test_tables_put_between_the_markers(tmp_path):
    path = tmp_path / 'r.md'
    write_between_markers(str(path), 'first', 'ds')
    assert path.read_text() == '<!-- ds:begin -->\nfirst\n<!-- ds:end -->\n'
    path.write_text('a\n' + path.read_text() + 'b\n')
    write_between_markers(str(path), 'second', 'ds')
    assert path.read_text() == ('a\n<!-- ds:begin -->\nsecond\n'
                                '<!-- ds:end -->\nb\n')
    write_between_markers(str(path), 'other', 'ds2')
    assert path.read_text().endswith('b\n\n<!-- ds2:begin -->\nother\n'
                                     '<!-- ds2:end -->\n')


def test_tables_of_known_results():
    one = dict(mean=50.0, std=14.14, runs=[40.0, 60.0])
    results = dict(
        pretrain_epochs=20, seeds=[0, 1], machine='m', knn_ks=[1, 20],
        linear_top1=dict(pstl=one, random_init=dict(mean=10.0, std=None,
                                                    runs=[10.0])),
        linear_top1_standardised=dict(pstl=one), knn_top1=dict(pstl=one),
        knn_top1_k1={},
        feature_std=dict(pstl=dict(mean=0.25, std=0.0, runs=[0.25, 0.25])),
        class_variance_share={}, pretrain_minutes=dict(pstl=3.5),
        partial_body=dict(modes=['drop'], repeats=3, num_joints=20,
                          num_parts=5),
        partial_body_drop=dict(pstl=dict(joints={
            '0': one, '2': dict(mean=41.25, std=1.0, runs=[40.25, 42.25])}))
    )
    lines = tables(results, dict(random_init='Random', pstl='PSTL'))
    assert lines.splitlines() == [
        'Pretraining: 20 epochs, seeds 0, 1; top-1 in %, mean ± standard '
        'deviation over seeds (each seed in brackets; a row of one seed '
        'says so). Machine: m.', '',
        '| Encoder | Linear | Linear, standardised features | kNN k=20 | '
        'kNN k=1 | Feature std | Class share of variance | '
        'Pretraining (min, sum over seeds) |', '|---|---|---|---|---|---|---|---|',
        '| Random (1 seed) | 10.0 | – | – | – | – | – | – |',
        '| PSTL | 50.0 ± 14.1 (40.0 / 60.0) | 50.0 ± 14.1 (40.0 / 60.0) | '
        '50.0 ± 14.1 (40.0 / 60.0) | – | 0.25 | – | 3.5 |', '',
        'Partial body, drop mode, linear classifier: Joints removed (of '
        '20), top-1 in % (3 draws per level and seed)', '',
        '| Encoder | 0 | 2 |', '|---|---|---|',
        '| PSTL | 50.0 ± 14.1 (40.0 / 60.0) | 41.2 ± 1.0 (40.2 / 42.2) |',
        '', 'What these numbers say (computed from them):', '',
        '- PSTL against Random, over the 1 seed both have: linear +30.0 '
        'points (per seed +30.0).',
        '- The widest spread over seeds (linear): PSTL, standard deviation '
        '14.1 points.',
        '- The widest spread over seeds (standardised linear): PSTL, '
        'standard deviation 14.1 points.',
        '- Partial body, PSTL: 50.0 % with 0 joints removed, 41.2 % with 2 '
        'removed (drop mode).',
    ]


def test_a_dirty_commit_stays_marked_when_shortened():
    from pstl_mm.results.report_markdown import computed_at, short_commit
    assert short_commit('b721d0077c1c2c6178543ef15202e2c45aa0e189') == \
        'b721d00'
    assert short_commit('b721d0077c1c2c6178543ef15202e2c45aa0e189+dirty') \
        == 'b721d00+dirty'
    assert computed_at([
        dict(commit='4feb6adab077e7d7980635dc67bf5126b7e30a8b'),
        dict(commit='b721d0077c1c2c6178543ef15202e2c45aa0e189+dirty'),
        dict(commit='4feb6adab077e7d7980635dc67bf5126b7e30a8b'), dict()
    ]) == '4feb6ad, b721d00+dirty'
    assert computed_at([dict()]) == 'an unrecorded commit'


def test_finetuning_gains_over_scratch_per_seed():
    from pstl_mm.results.report_markdown import findings

    def row(*runs):
        return dict(mean=sum(runs) / len(runs), std=None, runs=list(runs))
    results = dict(
        seeds=[0, 1, 2], knn_ks=[1, 20],
        finetune=dict(semi5=dict(pstl=row(30.0, 20.0, 10.0),
                                 skeletonbt=row(25.0),
                                 scratch=row(20.0, 22.5, 12.0))),
        finetune_protocols=dict(semi5=dict(label_fraction=0.05)))
    assert findings(results, dict(pstl='PSTL', skeletonbt='SkBT',
                                  scratch='Scratch')) == [
        '- Fine-tuning with 5 % of the labels, against training from '
        'scratch over the seeds both have: PSTL +1.8 (per seed +10.0 / '
        '-2.5 / -2.0), SkBT +5.0 (1 seed, per seed +5.0) points.']
