"""Publish the encoder of a checkpoint as a small encoder-only file.

    python tools/publish_encoder.py IN.pth OUT.pth [--config CONFIG]

Keeps the encoder's weights (``backbone.*``, prefix removed) and its config
dict (from ``--config``, else the config stored in the checkpoint), drops
the optimizer, projector and head, and writes ``OUT-<sha256[:8]>.pth``, as
MMAction2's ``publish_model.py`` names files. The result loads in
``pstl_mm.apis.init_encoder(None, FILE)`` and in any recognizer through
``backbone.init_cfg = dict(type='Pretrained', checkpoint=FILE)``.
"""
import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='encoder-only file from a checkpoint')
    parser.add_argument('in_file', help='pretraining or recognizer '
                        'checkpoint')
    parser.add_argument('out_file', help='output name; the sha256 prefix is '
                        'added before the extension')
    parser.add_argument('--config', help="the checkpoint's config (default: "
                        'the one stored in it)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from pstl_mm.apis import publish_encoder
    final = publish_encoder(args.in_file, args.out_file, args.config)
    print(f'wrote {final}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
