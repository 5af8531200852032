# Semi-supervised finetuning with 10% of the labels (per class) on NW-UCLA
# cross-view, from configs/pstl/pstl_nw_ucla_xview.py, on the short schedule
# (40 epochs):
#   python tools/train.py configs/pstl/semi/semi10_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/semi10.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/schedules/short_finetune.py'
]

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.nw_ucla_xview),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
train_cfg = _base_.short_finetune.train_cfg
param_scheduler = _base_.short_finetune.param_scheduler
