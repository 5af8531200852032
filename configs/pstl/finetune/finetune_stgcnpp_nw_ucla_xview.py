# Finetuning on NW-UCLA cross-view of MMAction2's STGCN++ pretrained by
# configs/pstl/pstl_stgcnpp_nw_ucla_xview.py: MMAction2's RecognizerGCN and
# GCNHead, the protocol of finetune_nw_ucla_xview.py.
#   python tools/train.py \
#       configs/pstl/finetune/finetune_stgcnpp_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/finetune.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/models/mmaction_backbones.py',
    '../_base_/schedules/short_finetune.py'
]

model = dict(
    backbone=dict(
        _base_.stgcnpp_small, **_base_.skeleton, frozen=False,
        **_base_.pstl.stgcnpp_nw_ucla_xview),
    cls_head=dict(_base_.cls_head, in_channels=_base_.small_out_channels))
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
train_cfg = _base_.short_finetune.train_cfg
param_scheduler = _base_.short_finetune.param_scheduler
