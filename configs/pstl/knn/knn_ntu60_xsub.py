# kNN evaluation on NTU RGB+D 60 cross-subject (joint stream) of the encoder
# of configs/pstl/pstl_ntu60_xsub.py (memory set xsub_train, test xsub_val):
#   python tools/test.py configs/pstl/knn/knn_ntu60_xsub.py \
#       work_dirs/pstl_ntu60_xsub/epoch_150.pth
_base_ = ['../_base_/protocols/knn.py', '../_base_/datasets/ntu60_xsub.py']

model = dict(backbone=dict(_base_.skeleton, **_base_.pstl.ntu60_xsub))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
