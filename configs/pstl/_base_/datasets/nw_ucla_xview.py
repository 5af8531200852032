# NW-UCLA cross-view: train on xview_train (views 1 and 2), test on
# xview_val (view 3).
# pretrain_data leaves the labels unchecked (pretraining ignores them).
_base_ = ['./nw_ucla.py']
pretrain_data = dict(_base_.data, split='xview_train')
train_data = dict(pretrain_data, num_classes=_base_.cls_head.num_classes)
val_data = dict(train_data, split='xview_val')
