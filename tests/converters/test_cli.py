"""The converters' common interface and their one command line,
``tools/data/convert.py DATASET``: every dataset end to end on the real
samples of the shared folder (PKU-MMD part II, of which there is none, on
the hand-made release of ``test_convert_pku_mmd``)."""
import importlib
import inspect
import subprocess
import sys

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from pstl_mm.converters import MODULES, converters, get_converter
from pstl_mm.converters.cli import main as convert_main
from pstl_mm.converters.interface import ConversionSummary, Option
from pstl_mm.datasets.safe_pickle import safe_load

from tests.conftest import REPO_ROOT, SHARED_DIR, need_shared, run_command
from tests.converters.test_pku_mmd import make_video, write_skeleton, write_text

DATA = SHARED_DIR / 'data'
NTU_SAMPLES = DATA / 'ntu_samples'
PKU_SAMPLES = DATA / 'pku_mmd_samples'
NW_UCLA_ARCHIVE = DATA / 'nw_ucla' / 'nw_ucla_all_sqe.tgz'

NTU_XSUB = dict(
    xsub_train=dict(S001C001P001R001A001=0, S001C001P001R001A011=10,
                    S001C001P001R001A050=49, S001C003P008R002A058=57,
                    S003C001P015R001A034=33),
    xsub_val=dict(S002C001P003R001A003=2, S004C002P003R001A017=16,
                  S017C003P020R002A054=53, S017C003P020R002A055=54,
                  S017C003P020R002A056=55, S017C003P020R002A057=56,
                  S017C003P020R002A058=57))
NTU_EMPTY = ['S001C002P006R001A008', 'S001C003P005R002A004',
             'S002C002P011R002A030']


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def convert(dataset, src, out, *more):
    """Run the command line (conversion, then ``--check``); its exit
    status."""
    return convert_main([dataset, '--src', str(src), '--out-dir', str(out),
                         '--no-progress', '--check', *more])


def load(out, name):
    """The annotation pickle: splits, annotations by name."""
    data = safe_load(str(out / f'{name}.pkl'))
    return data['split'], {a['frame_dir']: a for a in data['annotations']}


def abs_sum(anns):
    """Sum of |keypoint| over every annotation, in float64."""
    return sum(float(np.abs(a['keypoint'].astype(np.float64)).sum())
               for a in anns.values())


# The interface -------------------------------------------------------------


def test_every_dataset_name_and_its_fixed_options():
    table = converters()
    assert list(table) == ['ntu60', 'ntu120', 'pku_mmd1', 'pku_mmd2',
                           'nw_ucla']
    assert [dict(c.fixed) for c in table.values()] == [
        dict(dataset='ntu60'), dict(dataset='ntu120'), dict(part=1),
        dict(part=2), {}]
    assert [c.module.__name__.rpartition('.')[2]
            for c in table.values()] == ['ntu', 'ntu', 'pku_mmd', 'pku_mmd',
                                         'nw_ucla']
    assert get_converter('pku_mmd2').fixed == dict(part=2)
    with pytest.raises(KeyError, match='ntu60, ntu120, pku_mmd1'):
        get_converter('ntu')


@pytest.mark.parametrize('name', MODULES)
def test_modules_take_the_options_they_declare(name):
    """``convert`` and ``check`` take every declared option as a keyword,
    with the declared default."""
    module = importlib.import_module(f'pstl_mm.converters.{name}')
    convert_params = inspect.signature(module.convert).parameters
    check_params = inspect.signature(module.check).parameters
    assert list(convert_params)[:2] == ['src', 'out_dir']
    assert list(check_params)[0] == 'out_dir'
    assert inspect.signature(module.convert).return_annotation is \
        ConversionSummary
    fixed = set().union(*(set(v) for v in module.VARIANTS.values()))
    for key in fixed | {'progress'}:
        assert convert_params[key].kind is inspect.Parameter.KEYWORD_ONLY
    for key in fixed:
        assert check_params[key].kind is inspect.Parameter.KEYWORD_ONLY
    for option in module.OPTIONS:
        assert isinstance(option, Option)
        assert convert_params[option.name].default == option.default
        assert (option.name in check_params) == option.check
        if option.check:
            assert check_params[option.name].default == option.default
    assert module.SOURCE


def test_option_flags_and_validation(capsys):
    workers = next(o for o in get_converter('ntu60').options
                   if o.name == 'workers')
    assert workers.flag == '--workers' and workers.default == 1
    with pytest.raises(ValueError, match='--workers must be at least 1'):
        workers.validate(0)
    with pytest.raises(SystemExit) as exit_info:
        convert_main(['ntu60', '--src', 'x', '--num-frames', '0'])
    assert exit_info.value.code == 2
    assert '--num-frames must be at least 1, got 0' in capsys.readouterr().err
    # NTU has no PKU-MMD folder options, NW-UCLA no --workers and no
    # --preprocess (it has one preprocessing), which takes two values
    for argv in (['ntu60', '--label-dir', 'x'], ['nw_ucla', '--workers', '2'],
                 ['ntu', '--check'], ['nw_ucla', '--preprocess', 'aimclr'],
                 ['pku_mmd1', '--src', 'x', '--preprocess', 'aim']):
        with pytest.raises(SystemExit) as exit_info:
            convert_main(argv)
        assert exit_info.value.code == 2
    assert "argument --preprocess: --preprocess must be one of ('aimclr', " \
        "'normalize'), got 'aim'" in capsys.readouterr().err
    for name in ('ntu60', 'ntu120', 'pku_mmd1', 'pku_mmd2'):
        preprocess = next(o for o in get_converter(name).options
                          if o.name == 'preprocess')
        assert preprocess.default == 'aimclr'
        assert preprocess.choices == ('aimclr', 'normalize')


def test_importing_pstl_mm_leaves_the_converters_out():
    code = ('import sys, pstl_mm; '
            'print(sorted(m for m in sys.modules if "converters" in m))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'


# Every dataset end to end -------------------------------------------------


# |keypoint| summed over the samples: one value per preprocessing.
NTU_ABS_SUM = dict(aimclr=17385.535693, normalize=26489.204169)
PKU_ABS_SUM = dict(aimclr=42563.543807, normalize=61159.318232)
NTU_LIST = NTU_SAMPLES / 'NTU_RGBD_samples_with_missing_skeletons.txt'


@pytest.mark.parametrize('dataset, other, preprocess',
                         [('ntu60', 'xview', 'aimclr'),
                          ('ntu120', 'xset', 'aimclr'),
                          ('ntu60', 'xview', 'normalize')])
def test_ntu_samples(tmp_path, capsys, dataset, other, preprocess):
    need_shared(NTU_SAMPLES)
    out = tmp_path / dataset
    more = [] if preprocess == 'aimclr' else ['--preprocess', preprocess]
    assert convert(dataset, NTU_SAMPLES, out, *more) == 0
    text = capsys.readouterr().out
    assert 'samples written: 12' in text and 'samples skipped: 3' in text
    # The official list (found in --src) names the 3 files without bodies.
    assert (f'3 x listed in {NTU_LIST} (missing skeletons) '
            f'(e.g. {", ".join(NTU_EMPTY)})') in text
    assert 'files ignored' not in text  # every sample is NTU-60
    assert 'check: OK' in text
    split, anns = load(out, f'{dataset}_pstl')
    assert sorted(split) == sorted(['xsub_train', 'xsub_val',
                                    f'{other}_train', f'{other}_val'])
    for name, labels in NTU_XSUB.items():
        assert split[name] == list(labels)
        assert [anns[n]['label'] for n in split[name]] == list(
            labels.values())
    sizes = dict(xview=(7, 5), xset=(2, 10))[other]
    assert (len(split[f'{other}_train']),
            len(split[f'{other}_val'])) == sizes
    assert {a['keypoint'].shape for a in anns.values()} == {(2, 50, 25, 3)}
    assert anns['S004C002P003R001A017']['original_frames'] == 124
    assert sum(a['original_frames'] for a in anns.values()) == 953
    assert abs_sum(anns) == pytest.approx(NTU_ABS_SUM[preprocess], rel=1e-7)
    assert np.load(out / 'xsub' / 'val_data_joint.npy').shape == (
        7, 3, 50, 25, 2)


def test_pku_mmd1_samples(tmp_path, capsys):
    need_shared(PKU_SAMPLES)
    out = tmp_path / 'pku_mmd1'
    assert convert('pku_mmd1', PKU_SAMPLES, out) == 0
    text = capsys.readouterr().out
    # The split file lists 1076 videos; 3 have skeletons here.
    assert 'samples written: 31' in text
    assert '1073 x no skeleton file in' in text and 'check: OK' in text
    split, anns = load(out, 'pku1_pstl')
    assert [len(split['xsub_train']), len(split['xsub_val'])] == [23, 8]
    # AimCLR names (video, view, class, label row), sorted.
    assert split['xsub_val'] == [
        'F310V003C012L007', 'F310V003C014L008', 'F310V003C016L004',
        'F310V003C018L002', 'F310V003C021L006', 'F310V003C024L005',
        'F310V003C026L003', 'F310V003C027L001']
    assert [anns[n]['label'] for n in split['xsub_val']] == [
        11, 13, 15, 17, 20, 23, 25, 26]
    assert [anns[n]['label'] for n in split['xsub_train']][:9] == [
        13, 15, 17, 20, 23, 25, 26, 3, 4]
    # 96 frames, 20 of them empty: the AimCLR length is 76.
    assert anns['F036V001C016L006']['original_frames'] == 76
    assert sum(a['original_frames'] for a in anns.values()) == 2359
    assert {a['keypoint'].shape for a in anns.values()} == {(2, 50, 25, 3)}
    assert abs_sum(anns) == pytest.approx(PKU_ABS_SUM['aimclr'], rel=1e-7)
    assert np.load(out / 'xsub' / 'train_data_joint.npy').shape == (
        23, 3, 50, 25, 2)


def test_pku_mmd1_samples_normalize(tmp_path, capsys):
    need_shared(PKU_SAMPLES)
    out = tmp_path / 'pku_mmd1'
    assert convert('pku_mmd1', PKU_SAMPLES, out, '--preprocess',
                   'normalize') == 0
    assert 'samples written: 31' in capsys.readouterr().out
    split, anns = load(out, 'pku1_pstl')
    assert split['xsub_val'] == [f'0310-R_{k:03d}' for k in range(8)]
    assert [anns[n]['label'] for n in split['xsub_val']] == [
        26, 17, 25, 15, 23, 20, 11, 13]
    assert [anns[n]['label'] for n in split['xsub_train']][:9] == [
        25, 17, 26, 23, 20, 15, 13, 3, 39]
    assert anns['0160-L_001']['original_frames'] == 242
    assert abs_sum(anns) == pytest.approx(PKU_ABS_SUM['normalize'],
                                          rel=1e-7)


def test_pku_mmd2_release(tmp_path, capsys):
    root = tmp_path / 'v2'
    write_skeleton(root / 'skeleton' / 'A01N01-L.txt',
                   make_video(3, 80, second_person_frames=range(30)))
    write_skeleton(root / 'skeleton' / 'A02N03-R.txt', make_video(4, 60))
    write_skeleton(root / 'skeleton' / 'A05N02-M.txt',
                   make_video(5, 70, zero_frames=(5, 6)))
    write_text(root / 'label' / 'A01N01-L.txt',
               '41,0,9,1\n42,10,19,1\n3,20,79,2\n')
    write_text(root / 'label' / 'A02N03-R.txt', '1,0,19,3\n7,20,59,1\n')
    write_text(root / 'label' / 'A05N02-M.txt', '12,0,30,1\n13,31,69,1\n')
    write_text(root / 'cross_subject_v2.txt', 'Training videos:\n'
               'A01N01-L, A05N02-M\nValidation videos:\nA02N03-R\n')
    out = tmp_path / 'pku_mmd2'
    assert convert('pku_mmd2', root, out, '--preprocess', 'normalize') == 0
    text = capsys.readouterr().out
    assert 'samples written: 6' in text and 'samples skipped: 1' in text
    assert '(label 42 outside 1..41) (e.g. A01N01-L_001)' in text
    assert 'check: OK' in text
    split, anns = load(out, 'pku2_pstl')
    assert split == dict(
        xsub_train=['A01N01-L_000', 'A01N01-L_002', 'A05N02-M_000',
                    'A05N02-M_001'],
        xsub_val=['A02N03-R_000', 'A02N03-R_001'])
    assert [anns[n]['label'] for n in split['xsub_train']] == [40, 2, 11, 12]
    assert [anns[n]['original_frames'] for n in split['xsub_train']] == [
        10, 60, 29, 39]
    assert abs_sum(anns) == pytest.approx(11299.769655, rel=1e-7)


def test_nw_ucla_archive(tmp_path, capsys):
    need_shared(NW_UCLA_ARCHIVE)
    out = tmp_path / 'nw_ucla'
    assert convert('nw_ucla', NW_UCLA_ARCHIVE, out, '--num-frames', '20') == 0
    text = capsys.readouterr().out
    assert 'samples written: 1484' in text and 'samples skipped: 0' in text
    assert 'xview_train: 1020 clips OK' in text
    assert 'xview_val: 464 clips OK' in text and 'check: OK' in text
    split, anns = load(out, 'nw_ucla_pstl')
    assert [len(split['xview_train']), len(split['xview_val'])] == [1020, 464]
    hist = np.bincount([anns[n]['label'] for n in split['xview_val']],
                       minlength=10)
    assert hist.tolist() == [48, 50, 45, 49, 47, 47, 43, 43, 47, 45]
    assert {a['keypoint'].shape for a in anns.values()} == {(1, 20, 20, 3)}
    assert sum(a['original_frames'] for a in anns.values()) == 58534
    assert np.load(out / 'xview' / 'val_data_joint.npy',
                   mmap_mode='r').shape == (464, 3, 20, 20, 1)


def test_the_script(tmp_path):
    """``tools/data/convert.py`` itself, in a fresh interpreter."""
    need_shared(PKU_SAMPLES)
    out = tmp_path / 'pku'
    rc, text = run_command(
        [sys.executable, 'tools/data/convert.py', 'pku_mmd1', '--src',
         str(PKU_SAMPLES), '--out-dir', str(out), '--check'], timeout=300,
        cwd=REPO_ROOT)
    assert rc == 0, text
    assert 'samples written: 31' in text and 'check: OK' in text
    assert 'PKU-MMD part 1: 100%' in text  # the progress bar
    assert sorted(p.name for p in out.iterdir()) == ['pku1_pstl.pkl', 'xsub']
    rc, text = run_command(
        [sys.executable, 'tools/data/convert.py', '--help'], timeout=300,
        cwd=REPO_ROOT)
    assert rc == 0
    for dataset in ('ntu60', 'ntu120', 'pku_mmd1', 'pku_mmd2', 'nw_ucla'):
        assert f'    {dataset} ' in text
