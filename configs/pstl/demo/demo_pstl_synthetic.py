# PSTL pretraining on the synthetic demo set: minutes on a laptop CPU.
#   python tools/data/make_demo_data.py
#   python tools/train.py configs/pstl/demo/demo_pstl_synthetic.py
# Same method as pstl_ntu60_xsub.py, scaled down: one person per clip,
# a 1024-wide projector, batch 32, 5 epochs, a 10-iteration warm-up.
_base_ = ['../pstl_ntu60_xsub.py']

ann_file = 'data/demo/synthetic_demo.pkl'
max_epochs = 5

model = dict(
    backbone=dict(num_person=1),
    neck=dict(hidden_channels=1024, out_channels=1024))

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    dataset=dict(
        ann_file=ann_file,
        num_person=1,
        missing_hint='Make it first: python tools/data/make_demo_data.py'))

# A 10-iteration warm-up (instead of whole epochs), then cosine per epoch.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-8,
        end_factor=1.0,
        by_epoch=False,
        begin=0,
        end=11),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
