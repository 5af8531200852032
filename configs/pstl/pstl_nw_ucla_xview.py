# PSTL pretraining on NW-UCLA, cross-view (train views 1+2), joint stream:
# Kinect v1 skeletons (20 joints, one person), 7 of them masked by CSM; the
# short schedule (20 epochs) of the NW-UCLA results (docs/results.md).
#   python tools/data/convert.py nw_ucla --src nw_ucla_all_sqe.tgz \
#       --out-dir data/nw_ucla
#   python tools/train.py configs/pstl/pstl_nw_ucla_xview.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py',
    '_base_/schedules/short_pretrain.py'
]

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=_base_.pretrain_data)
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
