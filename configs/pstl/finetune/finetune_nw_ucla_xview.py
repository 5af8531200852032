# Finetuning on NW-UCLA cross-view (train views 1+2, test view 3), from the
# pretraining configs/pstl/pstl_nw_ucla_xview.py, on the short schedule
# (40 epochs); without the pretrained weights
# (--cfg-options model.backbone.init_cfg=None) it is supervised training
# from scratch on the same schedule:
#   python tools/train.py configs/pstl/finetune/finetune_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/finetune.py', '../_base_/datasets/nw_ucla_xview.py',
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
