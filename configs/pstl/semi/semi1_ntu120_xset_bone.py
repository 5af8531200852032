# Semi-supervised finetuning on ntu120_xset (bone stream) with 1% of the
# labels (at least one per class).
_base_ = ['./semi10_ntu120_xset_bone.py']

train_dataloader = dict(dataset=dict(label_fraction=0.01))
