# PSTL pretraining of MMAction2's AAGCN on NTU RGB+D 60 cross-subject, joint
# stream, at MMAction2's width (64 base channels): the method, data and
# schedule of pstl_ntu60_xsub.py with this encoder (masks approximate: AAGCN's
# attention averages over every joint).
#   python tools/train.py configs/pstl/pstl_aagcn_ntu60_xsub.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py',
    '_base_/models/mmaction_backbones.py'
]

model = dict(backbone=dict(_base_.aagcn, **_base_.skeleton))
train_dataloader = dict(dataset=_base_.pretrain_data)
