# Linear evaluation on NTU RGB+D 120 cross-setup, bone stream, from the bone
# pretraining (configs/pstl/pstl_ntu120_xset_bone.py):
#   python tools/train.py configs/pstl/linear/linear_ntu120_xset_bone.py
_base_ = ['../_base_/protocols/linear.py', '../_base_/datasets/ntu120_xset.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xset_bone),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=dict(_base_.train_data, stream='bone'))
val_dataloader = dict(dataset=dict(_base_.val_data, stream='bone'))
test_dataloader = val_dataloader
