# PSTL pretraining on PKU-MMD part II cross-subject, joint stream.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(
    dataset=dict(
        ann_file='data/pku_mmd2/pku2_pstl.pkl',
        split='xsub_train',
        missing_hint='Convert the raw data first: '
        'python tools/data/convert_pku_mmd.py --part 2 '
        '--raw-dir PKU_MMD_DIR --out-dir data/pku_mmd2'))
