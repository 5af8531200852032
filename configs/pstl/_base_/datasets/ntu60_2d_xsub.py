# NTU RGB+D 60 cross-subject, MMAction2's 2-D skeletons: pretrain on
# xsub_train. pretrain_data leaves the labels unchecked (pretraining ignores
# them). A config puts with_score (or without_score) before the views:
#   dataset=dict(_base_.pretrain_data,
#                pipeline=_base_.with_score + _base_.train_pipeline)
_base_ = ['./ntu60_2d.py']
pretrain_data = dict(_base_.data, split='xsub_train')
