# PSTL pretraining on NW-UCLA, cross-view (train views 1+2), joint stream:
# Kinect v1 skeletons (20 joints, one person), 7 of them masked by CSM.
#   python tools/data/convert.py nw_ucla --src nw_ucla_all_sqe.tgz \
#       --out-dir data/nw_ucla
#   python tools/train.py configs/pstl/pstl_nw_ucla_xview.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py']

layout = _base_.data.layout
augment = _base_.augment[:-1] + [dict(_base_.augment[-1], layout=layout)]
views = dict(
    anchor=augment,
    spatial=augment + [dict(_base_.csm, num_masked=7, layout=layout)],
    temporal=augment + [_base_.matm])
model = dict(backbone=dict(layout=layout, num_person=_base_.data.num_person))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
