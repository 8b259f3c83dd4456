"""The public surface matches torch.utils.tensorboard 2.13's: names, signatures and defaults.

The expected signatures were printed with inspect.signature from torch 2.13.0
(torch/utils/tensorboard/writer.py and summary.py), annotations dropped.
"""
# The signatures stay one per line, exactly as inspect prints them, so lines run long:
# ruff: noqa: E501

import inspect

import pytest

import tinytb
from tinytb import summary

SUMMARY_WRITER = {
    # tinytb adds keyword-only arguments (ranks, storage_options: issue 14)
    "__init__": "(self, log_dir=None, comment='', purge_step=None, max_queue=10, flush_secs=120, filename_suffix='', *, ranks='all', storage_options=None)",
    "__enter__": "(self)",
    "__exit__": "(self, exc_type, exc_val, exc_tb)",
    "add_audio": "(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None)",
    "add_custom_scalars": "(self, layout)",
    "add_custom_scalars_marginchart": "(self, tags, category='default', title='untitled')",
    "add_custom_scalars_multilinechart": "(self, tags, category='default', title='untitled')",
    "add_embedding": "(self, mat, metadata=None, label_img=None, global_step=None, tag='default', metadata_header=None)",
    "add_figure": "(self, tag, figure, global_step=None, close=True, walltime=None)",
    "add_graph": "(self, model, input_to_model=None, verbose=False, use_strict_trace=True)",
    "add_histogram": "(self, tag, values, global_step=None, bins='tensorflow', walltime=None, max_bins=None)",
    "add_histogram_raw": "(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, global_step=None, walltime=None)",
    "add_hparams": "(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None)",
    "add_image": "(self, tag, img_tensor, global_step=None, walltime=None, dataformats='CHW')",
    "add_image_with_boxes": "(self, tag, img_tensor, box_tensor, global_step=None, walltime=None, rescale=1, dataformats='CHW', labels=None)",
    "add_images": "(self, tag, img_tensor, global_step=None, walltime=None, dataformats='NCHW')",
    "add_mesh": "(self, tag, vertices, colors=None, faces=None, config_dict=None, global_step=None, walltime=None)",
    "add_onnx_graph": "(self, prototxt)",
    "add_pr_curve": "(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None, walltime=None)",
    "add_pr_curve_raw": "(self, tag, true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts, precision, recall, global_step=None, num_thresholds=127, weights=None, walltime=None)",
    "add_scalar": "(self, tag, scalar_value, global_step=None, walltime=None, new_style=False, double_precision=False)",
    "add_scalars": "(self, main_tag, tag_scalar_dict, global_step=None, walltime=None)",
    "add_tensor": "(self, tag, tensor, global_step=None, walltime=None)",
    "add_text": "(self, tag, text_string, global_step=None, walltime=None)",
    "add_video": "(self, tag, vid_tensor, global_step=None, fps=4, walltime=None)",
    "close": "(self)",
    "flush": "(self)",
    "get_logdir": "(self)",
}
FILE_WRITER = {
    # tinytb adds one keyword-only argument (storage_options: issue 14)
    "__init__": "(self, log_dir, max_queue=10, flush_secs=120, filename_suffix='', *, storage_options=None)",
    "add_event": "(self, event, step=None, walltime=None)",
    "add_graph": "(self, graph_profile, walltime=None)",
    "add_onnx_graph": "(self, graph, walltime=None)",
    "add_summary": "(self, summary, global_step=None, walltime=None)",
    "close": "(self)",
    "flush": "(self)",
    "get_logdir": "(self)",
    "reopen": "(self)",
}
SUMMARY = {
    "hparams": "(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None)",
    "scalar": "(name, tensor, collections=None, new_style=False, double_precision=False)",
    "histogram_raw": "(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)",
    "histogram": "(name, values, bins, max_bins=None)",
    "make_histogram": "(values, bins, max_bins=None)",
    "image": "(tag, tensor, rescale=1, dataformats='NCHW')",
    "image_boxes": "(tag, tensor_image, tensor_boxes, rescale=1, dataformats='CHW', labels=None)",
    "draw_boxes": "(disp_image, boxes, labels=None)",
    "make_image": "(tensor, rescale=1, rois=None, labels=None)",
    "video": "(tag, tensor, fps=4)",
    "make_video": "(tensor, fps)",
    "audio": "(tag, tensor, sample_rate=44100)",
    "custom_scalars": "(layout)",
    "text": "(tag, text)",
    "tensor_proto": "(tag, tensor)",
    "pr_curve_raw": "(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None)",
    "pr_curve": "(tag, labels, predictions, num_thresholds=127, weights=None)",
    "compute_curve": "(labels, predictions, num_thresholds=None, weights=None)",
    "mesh": "(tag, vertices, colors, faces, config_dict, display_name=None, description=None)",
    "half_to_int": "(f)",
    "int_to_half": "(i)",
}


def plain(fn):
    sig = inspect.signature(fn)
    sig = sig.replace(
        return_annotation=inspect.Signature.empty,
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
    )
    return str(sig)


@pytest.mark.parametrize(
    "cls,expected", [(tinytb.SummaryWriter, SUMMARY_WRITER), (tinytb.FileWriter, FILE_WRITER)]
)
def test_writer_signatures(cls, expected):
    for name, signature in expected.items():
        assert plain(getattr(cls, name)) == signature, name


def test_summary_functions():
    for name, signature in SUMMARY.items():
        assert name in summary.__all__
        assert plain(getattr(summary, name)) == signature, name
    assert set(summary.__all__) == set(SUMMARY)  # nothing public beyond PyTorch's names


def test_exports():
    assert set(tinytb.__all__) == {
        "SummaryWriter",
        "FileWriter",
        "SummaryToEventTransformer",
        "DecodeError",
        "__version__",
    }
    for name in tinytb.__all__:
        assert getattr(tinytb, name) is not None
    assert issubclass(tinytb.DecodeError, ValueError)
    assert issubclass(tinytb.FileWriter, tinytb.SummaryToEventTransformer)
