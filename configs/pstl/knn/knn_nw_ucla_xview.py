# kNN evaluation on NW-UCLA cross-view (memory set views 1+2, test view 3) of
# the encoder of configs/pstl/pstl_nw_ucla_xview.py: one person per clip.
#   python tools/test.py configs/pstl/knn/knn_nw_ucla_xview.py \
#       work_dirs/pstl_nw_ucla_xview/epoch_20.pth
_base_ = ['../_base_/protocols/knn.py', '../_base_/datasets/nw_ucla_xview.py']

model = dict(backbone=dict(_base_.skeleton, **_base_.pstl.nw_ucla_xview))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
