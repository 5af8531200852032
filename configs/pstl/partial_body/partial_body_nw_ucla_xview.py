# Partial-body evaluation on NW-UCLA cross-view (test view 3) of a linear
# evaluation of ../pstl_nw_ucla_xview.py: 0/2/4/6/8 of the 20 joints and
# 0..4 of the 5 parts hidden, 3 seeded repeats each, in 'drop' mode (the
# encoder computes without them).
#   python tools/test.py configs/pstl/partial_body/partial_body_nw_ucla_xview.py \
#       work_dirs/linear_nw_ucla_xview/epoch_150.pth
_base_ = [
    '../_base_/protocols/partial_body.py', '../_base_/datasets/nw_ucla_xview.py'
]

layout = _base_.data.layout
persons = _base_.data.num_person
model = dict(
    backbone=dict(layout=layout, num_person=persons),
    cls_head=_base_.cls_head)
pipeline = [
    dict(_base_.test_pipeline[0], layout=layout),
    dict(_base_.test_pipeline[1], num_person=persons),
    _base_.test_pipeline[2],
]
test_dataloader = dict(dataset=dict(_base_.val_data, pipeline=pipeline))
test_cfg = dict(joint_levels=(0, 2, 4, 6, 8), modes=('drop', ))
