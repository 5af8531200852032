# Linear evaluation on NW-UCLA cross-view (train views 1+2, test view 3), from
# the pretraining configs/pstl/pstl_nw_ucla_xview.py: one person per clip.
#   python tools/train.py configs/pstl/linear/linear_nw_ucla_xview.py
_base_ = ['../_base_/protocols/linear.py', '../_base_/datasets/nw_ucla_xview.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.nw_ucla_xview),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
