# Finetuning on pku2_xsub (joint stream): linear_pku2_xsub.py with the whole
# network trainable, Adam lr 0.005, crop + shear augmentation.
_base_ = ['../linear/linear_pku2_xsub.py']

model = dict(backbone=dict(frozen=False))
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
