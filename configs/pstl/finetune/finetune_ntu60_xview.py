# Finetuning on ntu60_xview (joint stream): linear_ntu60_xview.py with the whole
# network trainable, Adam lr 0.005, crop + shear augmentation.
_base_ = ['../linear/linear_ntu60_xview.py']

model = dict(backbone=dict(frozen=False))
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
