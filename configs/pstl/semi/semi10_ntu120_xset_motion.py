# Semi-supervised finetuning with 10% of the labels on NTU RGB+D 120
# cross-setup, motion stream, from the motion pretraining
# (configs/pstl/pstl_ntu120_xset_motion.py):
#   python tools/train.py configs/pstl/semi/semi10_ntu120_xset_motion.py
_base_ = ['../_base_/protocols/semi10.py', '../_base_/datasets/ntu120_xset.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xset_motion),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=dict(_base_.train_data, stream='motion'))
val_dataloader = dict(dataset=dict(_base_.val_data, stream='motion'))
test_dataloader = val_dataloader
