# PSTL: 16-channel ST-GCN encoder, 6144-wide projector, Barlow Twins losses
# between the anchor and its CSM (spatial) and MATM (temporal) views.
view_keys = ('anchor', 'view2', 'spatial', 'spatial_joint_mask', 'temporal',
             'temporal_joint_mask')
model = dict(
    type='PSTL',
    backbone=dict(
        type='MaskableSTGCN',
        in_channels=3,
        hidden_channels=16,
        out_channels=256,
        layout='nturgb+d',
        dropout=0.5),
    neck=dict(
        type='BarlowTwinsProjector',
        in_channels=256,
        hidden_channels=6144,
        out_channels=6144),
    head=dict(type='BarlowTwinsHead', lambd=2e-4),
    pairs=dict(spatial=('anchor', 'spatial'), temporal=('anchor', 'temporal')),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors={
            key: dict(type='ActionDataPreprocessor', format_shape='NCTVM')
            for key in view_keys
        }))
