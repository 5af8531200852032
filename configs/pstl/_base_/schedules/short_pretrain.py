# A short pretraining schedule for small datasets on a CPU (NW-UCLA: 1,020
# clips, 8 steps of 128 per epoch; 20 epochs of PSTL take about 25 minutes on
# a 2-core machine): the protocol's warm-up from 0 and cosine to 0, over
# 2 + 18 epochs instead of 10 + 140. A config takes it whole:
#   train_cfg = _base_.short_pretrain.train_cfg
#   param_scheduler = _base_.short_pretrain.param_scheduler
short_pretrain = dict(
    train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=20),
    param_scheduler=[
        dict(type='LinearLR', start_factor=1e-8, end_factor=1.0,
             by_epoch=True, begin=0, end=3),
        dict(type='CosineAnnealingLR', T_max=18, eta_min=0.0, by_epoch=True,
             begin=2, end=20),
    ])
