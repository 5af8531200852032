# Partial-body evaluation (the paper's Tab.4 and Tab.5): a linear-evaluation
# model (its classifier trained on full skeletons) tested with 0/2/4/6/8/10
# random joints and 0..4 random body parts hidden, each level averaged over 3
# seeded repeats, in two modes: 'zero' (coordinates set to 0) and 'drop'
# (joints removed by the encoder). Test only. A config adds the data and
# its skeletons, e.g. ../../partial_body/partial_body_ntu60_xsub.py.
_base_ = ['../default_runtime.py', './recognition.py']

# RecognizerGCN that hands the samples' joint masks ('drop') to the encoder
# and to a GCNHead that pools over the kept joints.
model = dict(type='MaskedRecognizerGCN', cls_head=dict(type='MaskedGCNHead'))

test_pipeline = [
    # Reconfigured by PartialBodyTestLoop for every setting; its draws are
    # seeded by (randomness.seed, kind, level, repeat, sample index).
    # The layout is the sample's.
    dict(type='PartialBodyOcclusion'),
    dict(type='PSTLFormatGCNInput'),
    dict(
        type='PackActionInputs',
        meta_keys=('frame_dir', 'sample_idx', 'occlusion',
                   'occluded_joints'),
        algorithm_keys=('joint_mask', )),
]
# Workers are re-created every pass, so they see the current setting.
test_dataloader = dict(
    persistent_workers=False, dataset=dict(pipeline=test_pipeline))
test_cfg = dict(
    type='PartialBodyTestLoop',
    joint_levels=(0, 2, 4, 6, 8, 10),
    part_levels=(0, 1, 2, 3, 4),
    repeats=3,
    modes=('zero', 'drop'))
test_evaluator = [dict(type='PartialBodyMetric')]

# Test only.
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
auto_scale_lr = None
val_dataloader = None
val_cfg = None
val_evaluator = None
