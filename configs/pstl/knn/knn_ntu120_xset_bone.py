# kNN evaluation on NTU RGB+D 120 cross-setup, bone stream, of the encoder of
# configs/pstl/pstl_ntu120_xset_bone.py:
#   python tools/test.py configs/pstl/knn/knn_ntu120_xset_bone.py \
#       work_dirs/pstl_ntu120_xset_bone/epoch_150.pth
_base_ = ['../_base_/protocols/knn.py', '../_base_/datasets/ntu120_xset.py']

model = dict(backbone=dict(_base_.skeleton, **_base_.pstl.ntu120_xset_bone))
test_cfg = dict(
    memory_dataloader=dict(dataset=dict(_base_.train_data, stream='bone')))
test_dataloader = dict(dataset=dict(_base_.val_data, stream='bone'))
