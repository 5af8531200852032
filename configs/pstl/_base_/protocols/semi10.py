# Semi-supervised finetuning with 10% of the labels: finetune.py on
# max(1, round(0.1 * n_c)) samples of every class c, drawn with label_seed;
# LabelledSubsetHook saves them to labelled_subset.json in the work dir so the
# run can be audited and repeated. A config adds the data and the encoder,
# e.g. ../../semi/semi10_ntu60_xsub.py.
_base_ = ['../default_runtime.py', './recognition.py', '../pretrained.py']

model = dict(backbone=dict(frozen=False, init_cfg=_base_.pretrained_init))
default_hooks = _base_.evaluation_hooks
train_dataloader = dict(dataset=dict(label_fraction=0.1, label_seed=1))
custom_hooks = _base_.custom_hooks + [dict(type='LabelledSubsetHook')]
