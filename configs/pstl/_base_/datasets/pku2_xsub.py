# PKU-MMD part II cross-subject: train on xsub_train, test on xsub_val.
# pretrain_data leaves the labels unchecked (pretraining ignores them).
_base_ = ['./pku2.py']
pretrain_data = dict(_base_.data, split='xsub_train')
train_data = dict(pretrain_data, num_classes=_base_.cls_head.num_classes)
val_data = dict(train_data, split='xsub_val')
