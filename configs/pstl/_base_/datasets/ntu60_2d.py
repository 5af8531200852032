# NTU RGB+D 60 as MMAction2's 2-D skeletons: data/skeleton/ntu60_2d.pkl from
# MMAction2's data preparation (tools/data/skeleton/README.md there), the
# keypoints of a 2-D pose estimator: 17 coco joints per person, (x, y) in
# pixels of the clip's img_shape (H, W) with a keypoint_score, up to 2
# persons, clips of any length. Its benchmark: ntu60_2d_xsub.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=dict(_base_.skeleton, in_channels=3))
skeleton = dict(layout='coco', num_person=2)
cls_head = dict(num_classes=60)
# in_channels: the stored coordinates (x, y); the score is carried beside
# them, and the dataset tells the transforms that 2 channels are coordinates.
data = dict(
    skeleton,
    ann_file='data/skeleton/ntu60_2d.pkl',
    in_channels=2,
    missing_hint=('Download ntu60_2d.pkl as MMAction2\'s '
                  'tools/data/skeleton/README.md says, into data/skeleton/'))

# The 50 frames the pretraining views take (MultiView), made of a 2-D clip
# with MMAction2's own transforms, before the views:
# * PreNormalize2D: pixels -> [-1, 1] by the clip's img_shape,
#   x <- (x - W/2) / (W/2), y <- (y - H/2) / (H/2) (a person the dataset
#   adds to make num_person sits at the image centre with score 0, so it
#   becomes zero, as MMAction2 pads after normalizing);
# * GenSkeFeat (coco, joints): keypoint_score appended as a third channel,
#   (x, y, score), as MMAction2's 2-D ST-GCN configs feed it;
# * PSTLUniformSampleFrames: MMAction2's UniformSampleFrames (training
#   mode), drawing from the run's seeded generators: 50 frames, a short
#   clip looped;
# * PoseDecode: takes those frames (of the score too).
# The views' shear and rotation then move (x, y) only, in the image plane,
# the flip also mirrors x, and MATM's motion is that of (x, y); the score
# channel goes through unchanged (pstl_mm/datasets/transforms/augment.py).
clip_2d = dict(type='PSTLUniformSampleFrames', clip_len=50)
with_score = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j'], axis=-1),
    clip_2d,
    dict(type='PoseDecode'),
]
# The same without the score channel: (x, y) only, C = 2.
without_score = [dict(type='PreNormalize2D'), clip_2d, dict(type='PoseDecode')]
