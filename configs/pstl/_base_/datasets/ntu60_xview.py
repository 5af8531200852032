# NTU RGB+D 60 cross-view: train on xview_train, test on xview_val.
# pretrain_data leaves the labels unchecked (pretraining ignores them).
_base_ = ['./ntu60.py']
pretrain_data = dict(_base_.data, split='xview_train')
train_data = dict(pretrain_data, num_classes=_base_.cls_head.num_classes)
val_data = dict(train_data, split='xview_val')
