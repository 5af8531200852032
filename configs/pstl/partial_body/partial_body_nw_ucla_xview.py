# Partial-body evaluation on NW-UCLA cross-view (test view 3) of a linear
# evaluation of ../pstl_nw_ucla_xview.py: 0/2/4/6/8 of the 20 joints and
# 0..4 of the 5 parts hidden, 3 seeded repeats each, in 'drop' mode (the
# encoder computes without them).
#   python tools/test.py configs/pstl/partial_body/partial_body_nw_ucla_xview.py \
#       work_dirs/linear_nw_ucla_xview/epoch_150.pth
_base_ = [
    '../_base_/protocols/partial_body.py', '../_base_/datasets/nw_ucla_xview.py'
]

model = dict(backbone=_base_.skeleton, cls_head=_base_.cls_head)
test_dataloader = dict(dataset=_base_.val_data)
test_cfg = dict(joint_levels=(0, 2, 4, 6, 8), modes=('drop', ))
