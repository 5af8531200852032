# NTU RGB+D 120 cross-setup: train on xset_train, test on xset_val.
# pretrain_data leaves the labels unchecked (pretraining ignores them).
_base_ = ['./ntu120.py']
pretrain_data = dict(_base_.data, split='xset_train')
train_data = dict(pretrain_data, num_classes=_base_.cls_head.num_classes)
val_data = dict(train_data, split='xset_val')
