# PSTL pretraining on NTU RGB+D 120 cross-setup, joint stream.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(
    dataset=dict(
        ann_file='data/ntu120/ntu120_pstl.pkl',
        split='xset_train',
        missing_hint='Convert the raw data first: '
        'python tools/data/convert_ntu.py --dataset ntu120 '
        '--raw-dir RAW_SKELETON_DIR --out-dir data/ntu120'))
