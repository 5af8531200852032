# Linear evaluation on pku2_xsub (joint stream).
_base_ = ['./linear_ntu60_xsub.py']

data = dict(
    ann_file='data/pku_mmd2/pku2_pstl.pkl',
    num_classes=41,
    missing_hint=('Convert the raw data first: '
        'python tools/data/convert_pku_mmd.py --part 2 '
        '--raw-dir PKU_MMD_DIR --out-dir data/pku_mmd2'))
model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_pku2_xsub/epoch_150.pth')),
    cls_head=dict(num_classes=41))
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
