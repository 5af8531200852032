# kNN evaluation of a pretrained encoder, the cheap check of pretraining: no
# training. The encoder's pooled features of the train split (the memory
# set) and of the test split, unaugmented; every test clip takes the label
# of a weighted vote of its k nearest training clips by cosine similarity
# (weights exp(s / 0.07)); top-1 for k = 1 and k = 20 as knn/top1_k1 and
# knn/top1_k20, also in knn.json in the run's log dir. A config adds the
# data and the encoder, e.g. ../../knn/knn_ntu60_xsub.py, and runs as
#   python tools/test.py CONFIG CHECKPOINT   (CHECKPOINT none: random init)
_base_ = ['../default_runtime.py', './recognition.py', '../pretrained.py']

# The encoder alone: any checkpoint holding backbone.* loads (pretraining,
# recognizer) and the other weights are left out; a published encoder file
# (plain keys) loads too.
model = dict(
    _delete_=True,
    type='FeatureExtractor',
    backbone=dict(_base_.model.backbone, init_cfg=_base_.pretrained_init))

# The memory set: the train split with the test pipeline, in order.
test_cfg = dict(type='KNNTestLoop', memory_dataloader=_base_.val_dataloader)
test_evaluator = [dict(type='KNNMetric', ks=(1, 20), temperature=0.07)]

# Test only.
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
auto_scale_lr = None
val_dataloader = None
val_cfg = None
val_evaluator = None
