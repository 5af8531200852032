"""The command line of tools/train.py, merged into a config."""
from mmengine.config import Config

from pstl_mm.engine.train_command import merge_args, parse_args

from tests.conftest import CONFIG_DIR


def test_train_command_line_seed_flags_take_effect(monkeypatch):
    monkeypatch.setenv('LOCAL_RANK', '0')
    config = str(CONFIG_DIR / 'pstl_ntu60_xsub.py')
    for argv, expected in (
        ([], dict(seed=1, diff_rank_seed=False, deterministic=False)),
        (['--seed', '7'], dict(seed=7, diff_rank_seed=False,
                               deterministic=False)),
        (['--seed', '3', '--diff-rank-seed', '--deterministic'],
         dict(seed=3, diff_rank_seed=True, deterministic=True)),
    ):
        args = parse_args([config] + argv)
        cfg = merge_args(Config.fromfile(config), args)
        assert cfg.randomness == expected, argv


def test_work_dir_resume_and_cfg_options(monkeypatch, tmp_path):
    monkeypatch.setenv('LOCAL_RANK', '0')
    config = str(CONFIG_DIR / 'pstl_ntu60_xsub.py')
    cfg = merge_args(Config.fromfile(config), parse_args([config]))
    assert cfg.work_dir == './work_dirs/pstl_ntu60_xsub'
    assert 'resume' not in cfg or not cfg.resume
    args = parse_args([
        config, '--work-dir', str(tmp_path), '--resume', '--no-validate',
        '--cfg-options', 'train_cfg.max_epochs=3'
    ])
    cfg = merge_args(Config.fromfile(config), args)
    assert cfg.work_dir == str(tmp_path)
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.train_cfg.max_epochs == 3 and cfg.val_cfg is None
