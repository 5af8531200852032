# Semi-supervised finetuning on ntu60_xsub (motion stream) with 1% of the
# labels (at least one per class).
_base_ = ['./semi10_ntu60_xsub_motion.py']

train_dataloader = dict(dataset=dict(label_fraction=0.01))
