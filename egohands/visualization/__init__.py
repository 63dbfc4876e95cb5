"""egohands.visualization: pictures of hands and samples.

``skeleton`` draws the 21-joint skeleton on images (OpenCV) and as a 3D plot
(matplotlib, Agg, returned as an image array); ``image_grid`` tiles
pictures; ``mesh_overlay`` blends a shaded hand mesh over an image (the
predicted MANO mesh of ``HandVisualizationHook``); ``dataset_browser``
renders what a dataset's pipeline feeds the model
(``tools/browse_dataset.py``).
"""
from egohands.visualization.image_grid import make_image_grid
from egohands.visualization.mesh_overlay import draw_mesh_overlay
from egohands.visualization.skeleton import (draw_hand_skeleton,
                                             draw_prediction_vs_ground_truth,
                                             plot_hand_skeleton_3d, put_label)

__all__ = ['draw_hand_skeleton', 'draw_prediction_vs_ground_truth',
           'plot_hand_skeleton_3d', 'put_label', 'make_image_grid',
           'draw_mesh_overlay']
