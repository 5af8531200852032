# Semi-supervised finetuning on ntu60_xview (joint stream) with 10% of the
# labels: max(1, round(0.1 * n_c)) samples of every class c, drawn with
# label_seed; LabelledSubsetHook saves them to labelled_subset.json in the
# work dir so the run can be audited and repeated.
_base_ = ['../finetune/finetune_ntu60_xview.py']

train_dataloader = dict(dataset=dict(label_fraction=0.1, label_seed=1))
custom_hooks = [dict(type='HeapTrimHook'), dict(type='LabelledSubsetHook')]
