# Semi-supervised finetuning (1% labels) on ntu60_xview (joint stream).
_base_ = ['./semi1_ntu60_xsub.py']

data = dict(
    ann_file='data/ntu60/ntu60_pstl.pkl',
    num_classes=60,
    missing_hint=('Convert the raw data first: '
        'python tools/data/convert_ntu.py --dataset ntu60 '
        '--raw-dir RAW_SKELETON_DIR --out-dir data/ntu60'))
model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_ntu60_xview/epoch_150.pth')),
    cls_head=dict(num_classes=60))
train_dataloader = dict(dataset=dict(**data, split='xview_train'))
val_dataloader = dict(dataset=dict(**data, split='xview_val'))
test_dataloader = val_dataloader
