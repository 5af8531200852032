# Linear evaluation on ntu120_xsub (joint stream).
_base_ = ['./linear_ntu60_xsub.py']

data = dict(
    ann_file='data/ntu120/ntu120_pstl.pkl',
    num_classes=120,
    missing_hint=('Convert the raw data first: '
        'python tools/data/convert_ntu.py --dataset ntu120 '
        '--raw-dir RAW_SKELETON_DIR --out-dir data/ntu120'))
model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_ntu120_xsub/epoch_150.pth')),
    cls_head=dict(num_classes=120))
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
