# Semi-supervised finetuning with 10% of the labels of NTU RGB+D 60 xsub:
# max(1, round(0.1 * n_c)) samples of every class c, drawn with label_seed;
# the names are saved to the work dir (labelled_subset.json) by
# LabelledSubsetHook so the run can be audited and repeated.
_base_ = ['./finetune_ntu60_xsub.py']

train_dataloader = dict(dataset=dict(label_fraction=0.1, label_seed=1))
custom_hooks = [dict(type='LabelledSubsetHook')]
