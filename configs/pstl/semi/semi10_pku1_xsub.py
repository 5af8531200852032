# Semi-supervised finetuning with 10% of the labels on PKU-MMD part I
# cross-subject, joint stream, from the joint pretraining
# (configs/pstl/pstl_pku1_xsub.py):
#   python tools/train.py configs/pstl/semi/semi10_pku1_xsub.py
_base_ = ['../_base_/protocols/semi10.py', '../_base_/datasets/pku1_xsub.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.pku1_xsub),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
