# Finetuning on NTU RGB+D 120 cross-subject, bone stream, from the bone
# pretraining (configs/pstl/pstl_ntu120_xsub_bone.py):
#   python tools/train.py configs/pstl/finetune/finetune_ntu120_xsub_bone.py
_base_ = ['../_base_/protocols/finetune.py', '../_base_/datasets/ntu120_xsub.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xsub_bone),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=dict(_base_.train_data, stream='bone'))
val_dataloader = dict(dataset=dict(_base_.val_data, stream='bone'))
test_dataloader = val_dataloader
