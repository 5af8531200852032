# PSTL pretraining on the synthetic demo set: minutes on a laptop CPU.
#   python tools/data/make_demo_data.py
#   python tools/train.py configs/pstl/demo/demo_pstl_synthetic.py
# Same method as pstl_ntu60_xsub.py, scaled down: one person per clip,
# a 1024-wide projector, batch 32, 5 epochs, a 10-iteration warm-up.
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/synthetic_xsub.py'
]

max_epochs = 5
model = dict(backbone=_base_.skeleton,
             neck=dict(hidden_channels=1024, out_channels=1024))
train_dataloader = dict(
    batch_size=32, num_workers=0, dataset=_base_.pretrain_data)
# A 10-iteration warm-up (instead of whole epochs), then cosine per epoch.
param_scheduler = [
    dict(_base_.warmup_lr, by_epoch=False, end=11),
    dict(_base_.cosine_lr, T_max=max_epochs, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
