"""Pictures of PSTL's data.

Sub-commands::

    python tools/visualize.py views CFG --index I [--out-dir DIR]
        [--ann-file PKL] [--split NAME] [--format gif|png] [--seed S]
    python tools/visualize.py tsne CFG CKPT [--out-dir DIR] [--ann-file PKL]
        [--split NAME] [--features NPZ] [--max-samples N] [--seed S]

``views`` draws one training sample of a pretraining config and every view
its ``MultiView`` makes of it side by side as 2-D stick figures (masked
joints: red crosses, their bones grey dashes; removed frames: a red panel;
a strip per view: frames kept green, removed red); ``gif`` animates the
frames, ``png`` shows six. ``tsne`` maps the encoder features of a config's
test (else training) clips from a checkpoint, or those of ``--features``
(``tools/extract_features.py``), coloured by class. The drawing is in
:mod:`pstl_mm.visualization`.
"""
import argparse
import os
import os.path as osp
import re
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT_DIR = osp.join('work_dirs', 'visualize')


def views_command(args) -> int:
    from pstl_mm.skeleton import get_layout
    from pstl_mm.visualization import (build_training_dataset, make_views,
                                       render_views, summary_line)
    start = time.perf_counter()
    dataset, seed = build_training_dataset(args.config, args.ann_file,
                                           args.split, args.seed)
    made = make_views(dataset, args.index)
    views, info = made['views'], made['info']
    layout = get_layout(info.get('layout', dataset.layout.name))
    stream = getattr(dataset, 'stream', 'joint')
    title = (f'{info.get("frame_dir")}  (label {info.get("label")}, '
             f'sample {args.index}, seed {seed}, stream {stream})\n'
             'red x: masked joint, grey dashes: its bones; red panel: frame '
             'removed; strips: frames kept (green) / removed (red)')
    if stream != 'joint':
        title += f'\n{stream} stream: the figures draw {stream} vectors'
    os.makedirs(args.out_dir, exist_ok=True)
    name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(info.get('frame_dir')))
    path = osp.join(args.out_dir, f'views_{args.index}_{name}.{args.format}')
    render_views(views, layout, path, args.format, title)
    print(f'wrote {path} ({time.perf_counter() - start:.1f} s)')
    print(summary_line(info, views, layout.joint_names))
    return 0


def tsne_command(args) -> int:
    import numpy as np

    from pstl_mm.visualization import (encoder_features, plot_tsne,
                                       sample_indices, tsne_points)
    if args.features:
        saved = np.load(args.features)
        keep = sample_indices(len(saved['features']), args.max_samples,
                              args.seed)
        feats, labels = saved['features'][keep], saved['labels'][keep]
    else:
        feats, labels = encoder_features(args.config, args.checkpoint,
                                         args.ann_file, args.split,
                                         args.max_samples, args.seed)
    points = tsne_points(feats, args.perplexity, args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.config))[0]
    path = osp.join(args.out_dir, f'tsne_{stem}.png')
    count, classes = plot_tsne(
        points, labels, f't-SNE of {len(points)} encoder features\n'
        f'{osp.basename(args.config)}, {osp.basename(args.checkpoint)}', path)
    print(f'wrote {path}: {count} samples, {classes} classes')
    return 0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    views = commands.add_parser(
        'views', help='draw a training sample and the views MultiView '
        'makes of it')
    views.add_argument('config', help='pretraining config file')
    views.add_argument('--index', type=int, required=True,
                       help='sample index')
    views.add_argument('--out-dir', default=OUT_DIR,
                       help=f'folder to write to (default: {OUT_DIR})')
    views.add_argument('--ann-file',
                       help="replaces the training dataset's ann_file")
    views.add_argument('--split', help="replaces the training dataset's split")
    views.add_argument('--format', choices=('gif', 'png'), default='gif',
                       help='gif: animation over the frames; png: six '
                       'frames per view')
    views.add_argument('--seed', type=int, help='seed of every random '
                       "transform (default: the config's randomness.seed, "
                       'as in a training run)')
    views.set_defaults(func=views_command)
    tsne = commands.add_parser(
        'tsne', help='t-SNE map of encoder features, coloured by class')
    tsne.add_argument('config', help='config whose model and data to use')
    tsne.add_argument('checkpoint', help='checkpoint with backbone.* keys')
    tsne.add_argument('--out-dir', default=OUT_DIR,
                      help=f'folder to write to (default: {OUT_DIR})')
    tsne.add_argument('--ann-file', help="replaces the dataset's ann_file")
    tsne.add_argument('--split', help="replaces the dataset's split")
    tsne.add_argument('--features', help='an .npz of tools/'
                      'extract_features.py: map these features instead of '
                      'computing them')
    tsne.add_argument('--max-samples', type=int, default=2000)
    tsne.add_argument('--perplexity', type=float, default=30.0)
    tsne.add_argument('--seed', type=int, default=0)
    tsne.set_defaults(func=tsne_command)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the sub-command; 2 after printing a bad argument's error (index
    out of range, missing or malformed annotation file)."""
    args = parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
