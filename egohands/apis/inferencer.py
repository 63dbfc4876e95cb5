"""``HandPoseInferencer``: a model over images, folders, videos or arrays.

::

    inferencer = HandPoseInferencer('configs/.../x.py', 'x.pth')
    frames = inferencer('my_folder/', bboxes='boxes.json', out_dir='out')

For every frame it finds the hand boxes (a box file, a detector, or the
whole image), runs the model in batches of ``batch_size`` hands across
frames, and returns ``[{'name', 'index', 'hands': [HandDataSample]}]``.
With ``out_dir`` it writes ``out_dir/vis/<name>.jpg`` (2D skeleton and box
on the image, mesh overlay for MANO models, 3D panel;
``egohands.visualization.inference_picture``), ``out_dir/predictions.json``
(one record per hand, ``egohands.apis.prediction_records``) and the
layouts asked for (``predictions_egoexo4d.json``,
``predictions_coco3d.json``). A progress bar counts frames.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from egohands.apis.inference import (DEFAULT_HAND_SIDE, box_padding,
                                     build_test_pipeline, check_boxes,
                                     default_intrinsics, init_detector,
                                     prepare_hands,
                                     run_batch, whole_image_box)
from egohands.apis.inference_inputs import (BoxEntry, iter_frames,
                                            list_frames, load_box_file,
                                            match_boxes, is_video)
from egohands.apis.model_loading import init_model
from egohands.apis.prediction_records import (LAYOUTS, hand_record,
                                              write_layout,
                                              write_predictions)
from egohands.utils.errors import ConfigError


class HandPoseInferencer:
    """Run a hand-pose model over many frames (module docstring).

    Args:
        model: a built model, or what :func:`init_model` takes.
        checkpoint: checkpoint of ``model`` when it is a config.
        device: torch device.
        detector: a hand detector used for frames without boxes: any
            object with ``detect(image) -> (boxes (N, 4) xyxy, scores
            (N,), sides)`` (e.g. ``HandCenterDetector``), or a
            ``(config, checkpoint)`` pair for :func:`init_detector`; None:
            the whole image.
        batch_size: hands per model call.
        cfg_options: merged into the model's config.
    """

    def __init__(self, model, checkpoint: Optional[str] = None,
                 device: str = 'cpu', detector=None, batch_size: int = 16,
                 cfg_options: Optional[Dict] = None) -> None:
        if not hasattr(model, 'test_step'):
            model = init_model(model, checkpoint, device, cfg_options)
        self.model = model
        if isinstance(detector, (tuple, list)):
            detector = init_detector(*detector, device=device)
        self.detector = detector
        self.batch_size = max(int(batch_size), 1)
        self.pipeline = build_test_pipeline(model.cfg)
        self.padding = box_padding(model.cfg)
        self.model_name = str(getattr(model.cfg, 'filename', '') or '')
        from egohands.engine.hooks.hand_visualization_hook import \
            hand_mesh_faces
        self.faces = hand_mesh_faces(model)

    def __call__(self, inputs, bboxes: Union[None, str, Dict] = None,
                 K: Optional[np.ndarray] = None,
                 out_dir: Optional[str] = None, layouts: Sequence[str] = (),
                 draw: bool = True, progress: bool = True) -> List[Dict]:
        """Predict every hand of ``inputs``.

        Args:
            inputs: image path, folder, video file, array, or list of them.
            bboxes: box file path (``load_box_file``) or a dict
                ``{frame name: [[x0, y0, x1, y1] | {bbox, hand_side,
                score}, ...]}``; frames without an entry get the detector's
                boxes (or the whole image when there is no detector).
            K: (3, 3) intrinsics of every frame; default:
                ``inference.default_intrinsics``.
            out_dir: where pictures and predictions go (None: nothing is
                written).
            layouts: extra files among ``('egoexo4d', 'coco3d')``.
            draw: write the pictures (with ``out_dir``).
            progress: show a progress bar on stderr.
        """
        unknown = sorted(set(layouts) - set(LAYOUTS))
        if unknown:
            raise ConfigError(f'unknown prediction layout(s) {unknown}; '
                              f'known: {list(LAYOUTS)}')
        sources = list_frames(inputs)  # input errors before any output
        boxes = self._boxes(inputs, bboxes)
        drawing = out_dir is not None and draw
        results, queue, pending, sizes = [], [], [], {}
        for frame in self._progress(iter_frames(inputs), sources, progress):
            result = dict(name=frame.name, index=frame.index, hands=[])
            results.append(result)
            queue.append((frame, result))
            sizes[frame.name] = frame.image.shape[:2]
            pending += self._prepare(frame, boxes.get(frame.name), K, result)
            if len(pending) >= self.batch_size:
                self._run(pending)
                pending = []
            queue = self._draw_done(queue, pending, out_dir, drawing)
        self._run(pending)
        self._draw_done(queue, [], out_dir, drawing)
        if out_dir is not None:
            records = [hand_record(hand, result['name'], result['index'], i)
                       for result in results
                       for i, hand in enumerate(result['hands'])]
            self._write(out_dir, records, layouts, inputs, sizes)
        return results

    # -- boxes --------------------------------------------------------
    def _boxes(self, inputs, bboxes) -> Dict[str, List[BoxEntry]]:
        if bboxes is None:
            return {}
        where = bboxes if isinstance(bboxes, str) else 'bboxes'
        if isinstance(bboxes, str):
            table = load_box_file(bboxes)
        else:
            from egohands.apis.inference_inputs import _entry
            table = {name: [_entry(item, f'{where}: entry {name!r}')
                            for item in items]
                     for name, items in dict(bboxes).items()}
        names = []
        for source in list_frames(inputs):
            if is_video(source):
                stem = osp.splitext(osp.basename(source))[0]
                names += [key for key in table if key.startswith(stem + '_')
                          and key[len(stem) + 1:].isdigit()]
            elif source != 'array':
                names.append(osp.basename(source))
        if isinstance(inputs, (list, tuple, np.ndarray)):
            count = 1 if isinstance(inputs, np.ndarray) else len(inputs)
            names += [f'array_{i:06d}' for i in range(count)]
        return match_boxes(table, names, where)

    def _prepare(self, frame, entries, K, result) -> List:
        """Packed hands of one frame, each tagged with its result dict."""
        image = frame.image
        height, width = image.shape[:2]
        scores = None
        if entries is not None:
            boxes = [e.bbox for e in entries]
            sides = [e.hand_side or DEFAULT_HAND_SIDE for e in entries]
            scores = [e.score for e in entries]
        elif self.detector is not None:
            boxes, scores, sides = self.detector.detect(image)
            boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
            sides = list(sides)
            scores = list(scores)
        else:
            boxes = [whole_image_box(width, height, self.padding)]
            sides = [DEFAULT_HAND_SIDE]
        if len(boxes) == 0:
            return []
        where = frame.img_path or frame.name
        boxes = check_boxes(boxes, width, height, where)
        K_source = 'given' if K is not None else 'default'
        camera = (np.asarray(K, np.float32) if K is not None else
                  default_intrinsics(width, height))
        packed = prepare_hands(image, self.pipeline, boxes, sides, camera,
                               dict(img_path=frame.img_path,
                                    img_id=frame.index))
        scores = scores or [None] * len(packed)
        return [(item, result, K_source, score)
                for item, score in zip(packed, scores)]

    def _run(self, pending: List) -> None:
        for start in range(0, len(pending), self.batch_size):
            chunk = pending[start:start + self.batch_size]
            hands = run_batch(self.model, [c[0] for c in chunk], chunk[0][2],
                              [c[3] for c in chunk])
            for (_, result, _, _), hand in zip(chunk, hands):
                result['hands'].append(hand)

    # -- output -------------------------------------------------------
    def _draw_done(self, queue: List, pending: List,
                   out_dir: Optional[str], drawing: bool) -> List:
        """Draw the queued frames whose hands are all predicted (when
        drawing); return the frames still waiting for a batch."""
        import cv2

        from egohands.visualization.inference_picture import \
            draw_inference_picture
        waiting = {id(p[1]) for p in pending}
        kept = [(f, r) for f, r in queue if id(r) in waiting]
        if not drawing:
            return kept
        os.makedirs(osp.join(out_dir, 'vis'), exist_ok=True)
        for frame, result in queue:
            if id(result) not in waiting:
                picture = draw_inference_picture(
                    frame.image, result['hands'], self.faces)
                name = osp.splitext(result['name'])[0] + '.jpg'
                cv2.imwrite(osp.join(out_dir, 'vis', name), picture)
        return kept

    def _write(self, out_dir, records, layouts, inputs, sizes) -> None:
        os.makedirs(out_dir, exist_ok=True)
        write_predictions(osp.join(out_dir, 'predictions.json'), records,
                          self.model_name)
        source = osp.splitext(osp.basename(str(inputs).rstrip('/\\')))[0] \
            if isinstance(inputs, str) else 'arrays'
        for layout in layouts:
            write_layout(layout, osp.join(out_dir,
                                          f'predictions_{layout}.json'),
                         records, source, sizes)

    @staticmethod
    def _progress(frames, sources: List[str], enabled: bool):
        if not enabled:
            return frames
        from tqdm import tqdm
        total = None if any(is_video(s) for s in sources) else len(sources)
        return tqdm(frames, total=total, unit='frame', desc='hands')
