# kNN evaluation on NW-UCLA cross-view of MMAction2's STGCN++ pretrained by
# configs/pstl/pstl_stgcnpp_nw_ucla_xview.py.
#   python tools/test.py configs/pstl/knn/knn_stgcnpp_nw_ucla_xview.py \
#       work_dirs/pstl_stgcnpp_nw_ucla_xview/epoch_20.pth
_base_ = [
    '../_base_/protocols/knn.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/models/mmaction_backbones.py'
]

model = dict(
    backbone=dict(_base_.stgcnpp_small, **_base_.skeleton,
                  **_base_.pstl.stgcnpp_nw_ucla_xview))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
