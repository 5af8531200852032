# Linear evaluation of the demo pretraining (demo_pstl_synthetic.py) on the
# synthetic set: frozen encoder, linear classifier, 30 epochs.
#   python tools/train.py configs/pstl/demo/demo_linear_synthetic.py
# With --cfg-options model.backbone.init_cfg=None the same protocol runs on a
# randomly initialised frozen encoder: the baseline that shows what
# pretraining bought (tools/demo.py runs both).
_base_ = ['../linear/linear_ntu60_xsub.py']

ann_file = 'data/demo/synthetic_demo.pkl'
max_epochs = 30
demo_pipeline = [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
data = dict(
    ann_file=ann_file,
    num_classes=10,
    num_person=1,
    missing_hint='Make it first: python tools/data/make_demo_data.py',
    pipeline=demo_pipeline)
model = dict(
    backbone=dict(
        num_person=1,
        init_cfg=dict(checkpoint='work_dirs/demo_pstl_synthetic/epoch_5.pth')),
    cls_head=dict(num_classes=10))
train_dataloader = dict(
    batch_size=32, num_workers=0, dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(
    batch_size=50, num_workers=0, dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
