# Linear evaluation on NW-UCLA cross-view (train views 1+2, test view 3), from
# the pretraining configs/pstl/pstl_nw_ucla_xview.py: one person per clip.
#   python tools/train.py configs/pstl/linear/linear_nw_ucla_xview.py
_base_ = ['../_base_/protocols/linear.py', '../_base_/datasets/nw_ucla_xview.py']

persons = _base_.data.num_person
pipeline = [dict(_base_.test_pipeline[0], num_person=persons),
            *_base_.test_pipeline[1:]]
model = dict(
    backbone=dict(
        _base_.pstl.nw_ucla_xview,
        layout=_base_.data.layout,
        num_person=persons),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=dict(_base_.train_data, pipeline=pipeline))
val_dataloader = dict(dataset=dict(_base_.val_data, pipeline=pipeline))
test_dataloader = val_dataloader
