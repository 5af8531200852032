# Partial-body evaluation on NTU RGB+D 60 cross-subject (the paper's Tab.4
# and Tab.5): the linear-evaluation model (its classifier trained on full
# skeletons) tested with 0/2/4/6/8/10 random joints and 0..4 random body
# parts hidden, each level averaged over 3 seeded repeats, in two modes:
# 'zero' (coordinates set to 0) and 'drop' (joints removed by the encoder).
#   python tools/test.py configs/pstl/partial_body/partial_body_ntu60_xsub.py \
#       work_dirs/linear_ntu60_xsub/epoch_150.pth
# Both tables are printed; partial_body.json and partial_body.png are written
# to the run's log dir (work_dirs/partial_body_ntu60_xsub/<timestamp>/).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/recognizer_stgcn16.py',
    '../_base_/datasets/recognition_ntu60_xsub.py'
]

# RecognizerGCN that hands the samples' joint masks ('drop') to the encoder.
model = dict(type='MaskedRecognizerGCN')

test_pipeline = [
    # Reconfigured by PartialBodyTestLoop for every setting; its draws are
    # seeded by (randomness.seed, kind, level, repeat, sample index).
    dict(type='PartialBodyOcclusion', layout='nturgb+d'),
    dict(type='FormatGCNInput', num_person=2),
    dict(
        type='PackActionInputs',
        meta_keys=('frame_dir', 'sample_idx', 'occlusion',
                   'occluded_joints', 'joint_mask')),
]
test_dataloader = dict(
    # Workers are re-created every pass, so they see the current setting.
    persistent_workers=False,
    dataset=dict(split='xsub_val', pipeline=test_pipeline, test_mode=True))
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
val_dataloader = None
val_cfg = None
val_evaluator = None
