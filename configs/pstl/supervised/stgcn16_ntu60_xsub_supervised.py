# Supervised ST-GCN-16 (the PSTL encoder trained from scratch with labels) on
# NTU RGB+D 60 cross-subject: MaskableSTGCN dropped into MMAction2's
# RecognizerGCN + GCNHead.
#   python tools/train.py \
#       configs/pstl/supervised/stgcn16_ntu60_xsub_supervised.py
_base_ = [
    '../_base_/protocols/supervised.py', '../_base_/datasets/ntu60_xsub.py'
]

model = dict(backbone=_base_.skeleton, cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
