"""``tools/demo.py`` tells a short story: progress bars, the table, paths."""
import importlib.util
import re

from tests.conftest import REPO_ROOT


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_prints_bars_and_the_table_and_logs_the_rest(tmp_path, capsys):
    demo = _load('pstl_tools_demo', REPO_ROOT / 'tools' / 'demo.py')
    data = tmp_path / 'demo.pkl'
    _load('pstl_tools_make_demo_data',
          REPO_ROOT / 'tools' / 'data' / 'make_demo_data.py').main(
              ['--out', str(data), '--train-per-class', '2',
               '--test-per-class', '1'])
    capsys.readouterr()

    small = {'train_cfg.max_epochs': 1, 'model.backbone.hidden_channels': 4,
             'model.backbone.out_channels': 16}
    per_config = dict(
        demo_pstl_synthetic={'model.neck.in_channels': 16,
                             'model.neck.hidden_channels': 64,
                             'model.neck.out_channels': 64},
        demo_linear_synthetic={'model.cls_head.in_channels': 16,
                               'train_cfg.val_interval': 1},
        demo_partial_body_synthetic={'model.cls_head.in_channels': 16,
                                     'test_cfg.repeats': 1,
                                     'test_cfg.joint_levels': (0, 2),
                                     'test_cfg.part_levels': (0, 1)})
    build = demo.Demo.runner

    def runner(self, config, work_dir, **options):
        options = {**small, **per_config[config], **options}
        if config == 'demo_partial_body_synthetic':
            options.pop('train_cfg.max_epochs')
        return build(self, config, work_dir, **options)

    demo.Demo.runner = runner
    work_dir = tmp_path / 'work'
    assert demo.main(['--data', str(data), '--work-dir', str(work_dir)]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) <= 80, out.out
    assert out.err == ''
    text = out.out
    for stage in ('pretraining PSTL', 'linear (pstl)', 'linear (random)',
                  'partial body (pstl)', 'partial body (random)'):
        assert stage in text
    assert re.search(r'linear evaluation\s+\d+\.\d\s+\d+\.\d', text)
    assert re.search(r'joints shaded 2 \(drop\)\s+\d+\.\d\s+\d+\.\d', text)
    assert 'Config:' not in text and 'mmengine - INFO' not in text
    log = (work_dir / 'demo.log').read_text()
    assert 'Config:' in log and 'Epoch(train)' in log
    assert f'runs, checkpoints and their logs: {work_dir}/' in text
