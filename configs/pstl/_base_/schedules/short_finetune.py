# A short finetuning schedule for small datasets on a CPU (NW-UCLA: 1,020
# training clips): the recognition protocols' Adam and cosine to 0 over
# 40 epochs instead of 150, validated every 10. A config takes it whole:
#   train_cfg = _base_.short_finetune.train_cfg
#   param_scheduler = _base_.short_finetune.param_scheduler
short_finetune = dict(
    train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=40,
                   val_interval=10),
    param_scheduler=[
        dict(type='CosineAnnealingLR', T_max=40, eta_min=0.0, by_epoch=True,
             begin=0, end=40),
    ])
