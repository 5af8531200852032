# Linear evaluation of PSTL on NTU RGB+D 60 cross-subject (joint stream):
# MMAction2's RecognizerGCN, the pretrained MaskableSTGCN frozen (no gradient,
# every BatchNorm/Dropout in eval mode), a linear GCNHead.
#   python tools/train.py configs/pstl/linear/linear_ntu60_xsub.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=PSTL_CHECKPOINT
# The default checkpoint is what `tools/train.py configs/pstl/pstl_ntu60_xsub.py`
# writes at its last epoch.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/recognizer_stgcn16.py',
    '../_base_/datasets/recognition_ntu60_xsub.py',
    '../_base_/schedules/linear_adam_150e.py'
]

model = dict(
    backbone=dict(
        frozen=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/pstl_ntu60_xsub/epoch_150.pth',
            prefix='backbone.')))
# No augmentation for the linear classifier, as in the authors' protocol.
train_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=10, save_best='acc/top1', max_keep_ckpts=2))
