# PSTL pretraining on NTU RGB+D 60 cross-subject, joint stream.
#   python tools/train.py configs/pstl/pstl_ntu60_xsub.py
_base_ = [
    '_base_/default_runtime.py', '_base_/models/pstl_stgcn16.py',
    '_base_/schedules/pretrain_adam_150e.py',
    '_base_/datasets/pretrain_ntu60_xsub.py'
]

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=10, save_best=None, max_keep_ckpts=3))
