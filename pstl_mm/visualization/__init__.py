"""Pictures of PSTL's data: a sample's views as animated stick figures with
frame timelines, and t-SNE maps of encoder features."""
from .multiview_sample import build_training_dataset, make_views
from .skeleton_panel import SkeletonPanel
from .timeline import draw_timeline, kept_frame_flags
from .tsne import encoder_features, plot_tsne, sample_indices, tsne_points
from .view import View, active_persons, summary_line
from .views_figure import png_frames, render_views

__all__ = [
    'SkeletonPanel', 'View', 'active_persons', 'build_training_dataset',
    'draw_timeline', 'encoder_features', 'kept_frame_flags', 'make_views',
    'plot_tsne', 'png_frames', 'render_views', 'sample_indices',
    'summary_line', 'tsne_points'
]
