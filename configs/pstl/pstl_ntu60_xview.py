# PSTL pretraining on NTU RGB+D 60 cross-view, joint stream.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(
    dataset=dict(
        ann_file='data/ntu60/ntu60_pstl.pkl',
        split='xview_train',
        missing_hint='Convert the raw data first: '
        'python tools/data/convert_ntu.py --dataset ntu60 '
        '--raw-dir RAW_SKELETON_DIR --out-dir data/ntu60'))
