# MMAction2's RecognizerGCN with the PSTL encoder and MMAction2's GCNHead.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='MaskableSTGCN',
        in_channels=3,
        hidden_channels=16,
        out_channels=256,
        layout='nturgb+d',
        dropout=0.5),
    cls_head=dict(
        type='GCNHead', num_classes=60, in_channels=256, dropout=0.0))
