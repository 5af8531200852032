# kNN evaluation on NTU RGB+D 60 cross-view, joint stream, of the encoder of
# configs/pstl/pstl_ntu60_xview.py:
#   python tools/test.py configs/pstl/knn/knn_ntu60_xview.py \
#       work_dirs/pstl_ntu60_xview/epoch_150.pth
_base_ = ['../_base_/protocols/knn.py', '../_base_/datasets/ntu60_xview.py']

model = dict(backbone=dict(_base_.skeleton, **_base_.pstl.ntu60_xview))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
