# Semi-supervised finetuning with 5% of the labels: finetune.py on
# max(1, round(0.05 * n_c)) samples of every class c, drawn with label_seed;
# LabelledSubsetHook saves them to labelled_subset.json in the work dir so the
# run can be audited and repeated. A config adds the data and the encoder,
# e.g. ../../semi/semi5_nw_ucla_xview.py.
_base_ = ['../default_runtime.py', './recognition.py', '../pretrained.py']

model = dict(backbone=dict(frozen=False, init_cfg=_base_.pretrained_init))
default_hooks = _base_.evaluation_hooks
train_dataloader = dict(dataset=dict(label_fraction=0.05, label_seed=1))
custom_hooks = _base_.custom_hooks + [dict(type='LabelledSubsetHook')]
