# Linear evaluation of PSTL on NTU RGB+D 60 cross-subject (joint stream):
# MMAction2's RecognizerGCN, the pretrained MaskableSTGCN frozen (no gradient,
# every BatchNorm/Dropout in eval mode), a linear GCNHead.
#   python tools/train.py configs/pstl/linear/linear_ntu60_xsub.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=PSTL_CHECKPOINT
# The default checkpoint is what
# `tools/train.py configs/pstl/pstl_ntu60_xsub.py` writes at its last epoch.
_base_ = ['../_base_/protocols/linear.py', '../_base_/datasets/ntu60_xsub.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu60_xsub),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
