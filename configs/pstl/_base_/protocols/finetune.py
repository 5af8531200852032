# Finetuning of a pretrained encoder: the whole network trainable, Adam lr
# 0.005, crop + shear augmentation. A config adds the data and the encoder,
# e.g. ../../finetune/finetune_ntu60_xsub.py.
_base_ = ['../default_runtime.py', './recognition.py', '../pretrained.py']

model = dict(backbone=dict(frozen=False, init_cfg=_base_.pretrained_init))
default_hooks = _base_.evaluation_hooks
