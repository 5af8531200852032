# Finetuning on NTU RGB+D 60 cross-subject, joint stream of MMAction2's STGCN++
# pretrained by configs/pstl/pstl_stgcnpp_ntu60_xsub.py: MMAction2's
# RecognizerGCN and GCNHead, the protocol of finetune_ntu60_xsub.py.
#   python tools/train.py configs/pstl/finetune/finetune_stgcnpp_ntu60_xsub.py
_base_ = [
    '../_base_/protocols/finetune.py', '../_base_/datasets/ntu60_xsub.py',
    '../_base_/models/mmaction_backbones.py'
]

model = dict(
    backbone=dict(
        _base_.stgcnpp, **_base_.skeleton, frozen=False,
        **_base_.pstl.stgcnpp_ntu60_xsub),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
