# Finetuning PSTL on NTU RGB+D 60 cross-subject (joint stream): the whole
# network trainable, Adam lr 0.005, no weight decay, cosine, 150 epochs,
# crop + shear augmentation.
#   python tools/train.py configs/pstl/finetune_ntu60_xsub.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=PSTL_CHECKPOINT
_base_ = [
    '_base_/default_runtime.py', '_base_/models/recognizer_stgcn16.py',
    '_base_/datasets/recognition_ntu60_xsub.py',
    '_base_/schedules/linear_adam_150e.py'
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/pstl_ntu60_xsub/epoch_150.pth',
            prefix='backbone.')))
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=10, save_best='acc/top1', max_keep_ckpts=2))
