# PSTL pretraining of MMAction2's AAGCN on NW-UCLA cross-view, at a width that
# fits a CPU (16 base channels instead of MMAction2's 64, so 64 channels at the
# end): the method, data and schedule of pstl_nw_ucla_xview.py with this
# encoder (masks approximate: AAGCN's attention averages over every joint).
#   python tools/train.py configs/pstl/pstl_aagcn_nw_ucla_xview.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py',
    '_base_/models/mmaction_backbones.py', '_base_/schedules/short_pretrain.py'
]

model = dict(backbone=dict(_base_.aagcn_small, **_base_.skeleton),
    neck=dict(in_channels=_base_.small_out_channels))
train_dataloader = dict(dataset=_base_.pretrain_data)
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
