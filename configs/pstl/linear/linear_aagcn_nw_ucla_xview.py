# Linear evaluation (encoder frozen) on NW-UCLA cross-view of MMAction2's AAGCN
# pretrained by configs/pstl/pstl_aagcn_nw_ucla_xview.py: MMAction2's
# RecognizerGCN and GCNHead, the protocol of linear_nw_ucla_xview.py.
#   python tools/train.py configs/pstl/linear/linear_aagcn_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/linear.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/models/mmaction_backbones.py'
]

model = dict(
    backbone=dict(
        _base_.aagcn_small, **_base_.skeleton, frozen=True,
        **_base_.pstl.aagcn_nw_ucla_xview),
    cls_head=dict(_base_.cls_head, in_channels=_base_.small_out_channels))
train_dataloader = dict(dataset=_base_.train_data)
val_dataloader = dict(dataset=_base_.val_data)
test_dataloader = val_dataloader
