# Semi-supervised finetuning with 1% of the labels on NTU RGB+D 120
# cross-subject, joint stream, from the joint pretraining
# (configs/pstl/pstl_ntu120_xsub.py):
#   python tools/train.py configs/pstl/semi/semi1_ntu120_xsub.py
_base_ = ['../_base_/protocols/semi1.py', '../_base_/datasets/ntu120_xsub.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xsub),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
