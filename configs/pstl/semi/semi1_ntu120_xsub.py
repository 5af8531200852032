# Semi-supervised finetuning on ntu120_xsub (joint stream) with 1% of the
# labels (at least one per class).
_base_ = ['./semi10_ntu120_xsub.py']

train_dataloader = dict(dataset=dict(label_fraction=0.01))
