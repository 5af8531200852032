# Linear evaluation on pku1_xsub (joint stream).
_base_ = ['./linear_ntu60_xsub.py']

data = dict(
    ann_file='data/pku_mmd1/pku1_pstl.pkl',
    num_classes=51,
    missing_hint=('Convert the raw data first: '
        'python tools/data/convert_pku_mmd.py --part 1 '
        '--raw-dir PKU_MMD_DIR --out-dir data/pku_mmd1'))
model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_pku1_xsub/epoch_150.pth')),
    cls_head=dict(num_classes=51))
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
