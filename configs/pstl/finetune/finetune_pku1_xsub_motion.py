# Finetuning on pku1_xsub (motion stream): linear_pku1_xsub_motion.py with the whole
# network trainable, Adam lr 0.005, crop + shear augmentation.
_base_ = ['../linear/linear_pku1_xsub_motion.py']

model = dict(backbone=dict(frozen=False))
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
