# kNN evaluation on NTU RGB+D 120 cross-setup, joint stream, of the encoder of
# configs/pstl/pstl_ntu120_xset.py:
#   python tools/test.py configs/pstl/knn/knn_ntu120_xset.py \
#       work_dirs/pstl_ntu120_xset/epoch_150.pth
_base_ = ['../_base_/protocols/knn.py', '../_base_/datasets/ntu120_xset.py']

model = dict(backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xset))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
