# PSTL pretraining on PKU-MMD part I cross-subject, joint stream.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(
    dataset=dict(
        ann_file='data/pku_mmd1/pku1_pstl.pkl',
        split='xsub_train',
        missing_hint='Convert the raw data first: '
        'python tools/data/convert_pku_mmd.py --part 1 '
        '--raw-dir PKU_MMD_DIR --out-dir data/pku_mmd1'))
