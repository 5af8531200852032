# PSTL pretraining on NW-UCLA cross-view for 100 epochs, a checkpoint every
# 10 (the learning curve of docs/results.md): pstl_nw_ucla_xview.py on the
# long schedule.
#   python tools/train.py configs/pstl/curve/pstl_curve_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/schedules/long_pretrain.py'
]

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=_base_.pretrain_data)
train_cfg = _base_.long_pretrain.train_cfg
param_scheduler = _base_.long_pretrain.param_scheduler
default_hooks = _base_.long_pretrain.default_hooks
