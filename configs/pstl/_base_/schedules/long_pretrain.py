# A longer pretraining schedule for small datasets on a CPU (the NW-UCLA
# learning curve of docs/results.md): 100 epochs with the warm-up of the
# short schedule (short_pretrain.py: 2 epochs from 0), then cosine to 0 over
# 98; a checkpoint every 10 epochs, all kept. A config takes it whole:
#   train_cfg = _base_.long_pretrain.train_cfg
#   param_scheduler = _base_.long_pretrain.param_scheduler
#   default_hooks = _base_.long_pretrain.default_hooks
long_pretrain = dict(
    train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=100),
    param_scheduler=[
        dict(type='LinearLR', start_factor=1e-8, end_factor=1.0,
             by_epoch=True, begin=0, end=3),
        dict(type='CosineAnnealingLR', T_max=98, eta_min=0.0, by_epoch=True,
             begin=2, end=100),
    ],
    default_hooks=dict(checkpoint=dict(interval=10, max_keep_ckpts=-1)))
