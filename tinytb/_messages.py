# SPDX-License-Identifier: MIT
"""The protobuf messages an event file holds: one small encoder per message, and the schema
tables that decode them back.

Field numbers and types are those of TensorBoard's ``tensorboard/compat/proto/*.proto`` (and the
plugins' ``plugin_data.proto`` / ``layout.proto``); each encoder quotes the ``.proto`` lines it
implements. Output is *canonical*: byte-identical to what the protobuf runtime serializes for
the same message, which takes three rules (the encoding guide and proto3's presence rules):

1. fields go out in field-number order;
2. proto3 singular scalars equal to their default (0, 0.0, "", b"", false) are not written
   ("implicit presence"), while ``oneof`` members and embedded messages are written whenever
   they are set, even when empty (``simple_value=0.0`` is ``15 00 00 00 00``, an empty
   ``tensor_shape {}`` is ``12 00``);
3. repeated numeric fields are packed, and an empty repeated field is not written.

Encoders take already-encoded sub-messages as ``bytes`` (``None`` meaning "not set") and return
``bytes``; they trust their inputs, which ``summary``/``writer`` validate. Decoders produce
:class:`Message` objects whose attributes are the ``.proto`` field names.
"""

from __future__ import annotations

import struct

from . import _wire
from ._wire import (
    LEN,
    bytes_field,
    double_field,
    float_field,
    packed_doubles,
    packed_floats,
    packed_varints,
    string_field,
    uint_field,
    varint,
)
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

    #: A hyperparameter value as ``struct_value`` takes it.
    PyValue = Union[None, bool, float, str]

_DOUBLE = struct.Struct("<d")
_ZERO8 = bytes(8)


def _double_if_set(field: int, value: float) -> bytes:
    # proto3 compares the bit pattern with zero, so -0.0 is written and 0.0 is not.
    raw = _DOUBLE.pack(value)
    return b"" if raw == _ZERO8 else _wire.key(field, _wire.I64) + raw


def _uint_if_set(field: int, value: int) -> bytes:
    return uint_field(field, value) if value else b""


def _string_if_set(field: int, text: str) -> bytes:
    return string_field(field, text) if text else b""


def _bytes_if_set(field: int, payload: bytes) -> bytes:
    return bytes_field(field, payload) if payload else b""


def _explicit(field: int, payload: Optional[bytes]) -> bytes:
    """A LEN field with explicit presence (an embedded message, or a oneof member): written
    whenever it is set, even empty; ``None`` means not set."""
    return b"" if payload is None else bytes_field(field, payload)


def _parts(field: int, payload: Optional[bytes], empty_too: bool = True) -> Tuple[bytes, ...]:
    """:func:`_explicit` as two pieces, key and length, then the payload itself, for the
    enclosing message's one join: a large payload (an image, a WAV) is then copied once per
    level of nesting, not twice (``empty_too=False``: an empty payload is left out)."""
    if payload is None or not (payload or empty_too):
        return ()
    return (varint((field << 3) | LEN) + varint(len(payload)), payload)


# -- event.proto ------------------------------------------------------------------------------


def event(
    wall_time: float = 0.0,
    step: int = 0,
    file_version: Optional[str] = None,
    graph_def: Optional[bytes] = None,
    summary: Optional[bytes] = None,
    log_message: Optional[bytes] = None,
    session_log: Optional[bytes] = None,
    tagged_run_metadata: Optional[bytes] = None,
    meta_graph_def: Optional[bytes] = None,
    source_metadata: Optional[bytes] = None,
) -> bytes:
    """message Event {
      double wall_time = 1; int64 step = 2;
      oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5;
                   LogMessage log_message = 6; SessionLog session_log = 7;
                   TaggedRunMetadata tagged_run_metadata = 8; bytes meta_graph_def = 9; }
      SourceMetadata source_metadata = 10; }

    At most one member of ``what`` may be given (as str/bytes, or the encoded sub-message)."""
    return b"".join(
        (
            _double_if_set(1, wall_time),
            _uint_if_set(2, step),
            b"" if file_version is None else string_field(3, file_version),
            *_parts(4, graph_def),
            *_parts(5, summary),
            *_parts(6, log_message),
            *_parts(7, session_log),
            *_parts(8, tagged_run_metadata),
            *_parts(9, meta_graph_def),
            _explicit(10, source_metadata),
        )
    )


def rebuild_event(data: bytes, wall_time: float, step: Optional[int]) -> bytes:
    """The Event ``data`` (bytes) with ``wall_time`` replaced and, unless ``step`` is None,
    ``step`` replaced. Fields 1 and 2 come first in canonical order, so they are re-encoded
    in front of the remaining fields, which keep their order."""
    out_rest = []
    kept_step = 0
    for field, wire_type, value, _ in _wire.iter_fields(data):
        if field == 1:
            continue
        if field == 2 and wire_type == _wire.VARINT:
            kept_step = value
            continue
        if wire_type == _wire.VARINT:
            out_rest.append(_wire.key(field, wire_type) + _wire.varint(value))
        elif wire_type == 2:
            out_rest.append(_wire.key(field, 2) + _wire.varint(len(value)) + value)
        else:
            out_rest.append(_wire.key(field, wire_type) + value)
    step_value = kept_step if step is None else step
    head = event(wall_time=wall_time, step=step_value)
    return head + b"".join(out_rest)


def source_metadata(writer: str) -> bytes:
    """message SourceMetadata { string writer = 1; }"""
    return _string_if_set(1, writer)


def log_message(level: int = 0, message: str = "") -> bytes:
    """message LogMessage { Level level = 1; string message = 2; }
    (Level: UNKNOWN=0, DEBUGGING=10, INFO=20, WARN=30, ERROR=40, FATAL=50)"""
    return _uint_if_set(1, level) + _string_if_set(2, message)


# enum SessionLog.SessionStatus
STATUS_UNSPECIFIED, START, STOP, CHECKPOINT = 0, 1, 2, 3


def session_log(status: int = 0, checkpoint_path: str = "", msg: str = "") -> bytes:
    """message SessionLog { SessionStatus status = 1; string checkpoint_path = 2;
    string msg = 3; }"""
    return _uint_if_set(1, status) + _string_if_set(2, checkpoint_path) + _string_if_set(3, msg)


def tagged_run_metadata(tag: str = "", run_metadata: bytes = b"") -> bytes:
    """message TaggedRunMetadata { string tag = 1; bytes run_metadata = 2; }"""
    return _string_if_set(1, tag) + _bytes_if_set(2, run_metadata)


# -- summary.proto ----------------------------------------------------------------------------


def summary(values: Iterable[bytes]) -> bytes:
    """message Summary { repeated Value value = 1; }  (``values``: encoded Summary.Value list)"""
    return b"".join([piece for v in values for piece in _parts(1, v)])


def summary_value(
    tag: str = "",
    simple_value: Optional[float] = None,
    image: Optional[bytes] = None,
    histo: Optional[bytes] = None,
    audio: Optional[bytes] = None,
    node_name: str = "",
    tensor: Optional[bytes] = None,
    metadata: Optional[bytes] = None,
) -> bytes:
    """message Summary.Value {
    string node_name = 7; string tag = 1; SummaryMetadata metadata = 9;
    oneof value { float simple_value = 2; bytes obsolete_old_style_histogram = 3;
                  Image image = 4; HistogramProto histo = 5; Audio audio = 6;
                  TensorProto tensor = 8; } }"""
    return b"".join(
        (
            _string_if_set(1, tag),
            b"" if simple_value is None else float_field(2, simple_value),
            *_parts(4, image),
            *_parts(5, histo),
            *_parts(6, audio),
            _string_if_set(7, node_name),
            *_parts(8, tensor),
            *_parts(9, metadata),
        )
    )


def summary_metadata(
    plugin_name: Optional[str] = None,
    content: bytes = b"",
    display_name: str = "",
    summary_description: str = "",
    data_class: int = 0,
) -> bytes:
    """message SummaryMetadata {
      message PluginData { string plugin_name = 1; bytes content = 2; }
      PluginData plugin_data = 1; string display_name = 2; string summary_description = 3;
      DataClass data_class = 4; }

    ``plugin_name=None`` leaves ``plugin_data`` unset; a name (even "") sets it."""
    return b"".join(
        (
            b"" if plugin_name is None else bytes_field(1, plugin_data(plugin_name, content)),
            _string_if_set(2, display_name),
            _string_if_set(3, summary_description),
            _uint_if_set(4, data_class),
        )
    )


def plugin_data(plugin_name: str = "", content: bytes = b"") -> bytes:
    return _string_if_set(1, plugin_name) + _bytes_if_set(2, content)


def histogram_proto(
    min: float = 0.0,
    max: float = 0.0,
    num: float = 0.0,
    sum: float = 0.0,
    sum_squares: float = 0.0,
    *,
    bucket_limit: Sequence[float] = (),
    bucket: Sequence[float] = (),
) -> bytes:
    """message HistogramProto { double min = 1; double max = 2; double num = 3; double sum = 4;
    double sum_squares = 5; repeated double bucket_limit = 6 [packed = true];
    repeated double bucket = 7 [packed = true]; }"""
    return b"".join(
        (
            _double_if_set(1, min),
            _double_if_set(2, max),
            _double_if_set(3, num),
            _double_if_set(4, sum),
            _double_if_set(5, sum_squares),
            packed_doubles(6, bucket_limit) if len(bucket_limit) else b"",
            packed_doubles(7, bucket) if len(bucket) else b"",
        )
    )


def image(height: int, width: int, colorspace: int, encoded_image_string: bytes) -> bytes:
    """message Summary.Image { int32 height = 1; int32 width = 2; int32 colorspace = 3;
    bytes encoded_image_string = 4; }  (colorspace: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA)"""
    return b"".join(
        (
            _uint_if_set(1, height),
            _uint_if_set(2, width),
            _uint_if_set(3, colorspace),
            *_parts(4, encoded_image_string, empty_too=False),
        )
    )


def audio(
    sample_rate: float,
    num_channels: int,
    length_frames: int,
    encoded_audio_string: bytes,
    content_type: str,
) -> bytes:
    """message Summary.Audio { float sample_rate = 1; int64 num_channels = 2;
    int64 length_frames = 3; bytes encoded_audio_string = 4; string content_type = 5; }"""
    return b"".join(
        (
            float_field(1, sample_rate) if sample_rate else b"",
            _uint_if_set(2, num_channels),
            _uint_if_set(3, length_frames),
            *_parts(4, encoded_audio_string, empty_too=False),
            _string_if_set(5, content_type),
        )
    )


# -- tensor.proto, tensor_shape.proto ---------------------------------------------------------


def tensor_shape(dims: Iterable[int]) -> bytes:
    """message TensorShapeProto { message Dim { int64 size = 1; string name = 2; }
    repeated Dim dim = 2; bool unknown_rank = 3; }"""
    return b"".join([bytes_field(2, _uint_if_set(1, size)) for size in dims])


def tensor_proto(
    dtype: int,
    shape: Optional[Iterable[int]] = None,
    tensor_content: bytes = b"",
    float_val: Sequence[float] = (),
    double_val: Sequence[float] = (),
    int_val: Sequence[int] = (),
    string_val: Iterable[bytes] = (),
    scomplex_val: Sequence[float] = (),
    int64_val: Sequence[int] = (),
    bool_val: Sequence[int] = (),
    dcomplex_val: Sequence[float] = (),
    half_val: Sequence[int] = (),
    uint32_val: Sequence[int] = (),
    uint64_val: Sequence[int] = (),
) -> bytes:
    """message TensorProto {
      DataType dtype = 1; TensorShapeProto tensor_shape = 2; int32 version_number = 3;
      bytes tensor_content = 4; repeated float float_val = 5 [packed = true];
      repeated double double_val = 6; repeated int32 int_val = 7; repeated bytes string_val = 8;
      repeated float scomplex_val = 9; repeated int64 int64_val = 10;
      repeated bool bool_val = 11; repeated double dcomplex_val = 12;
      repeated int32 half_val = 13; ... repeated uint32 uint32_val = 16;
      repeated uint64 uint64_val = 17; }   (numeric repeated fields are packed)

    ``shape=None`` leaves ``tensor_shape`` unset (how PyTorch writes new-style scalars);
    ``shape=()`` sets it empty (rank 0, ``12 00``)."""
    return b"".join(
        (
            _uint_if_set(1, dtype),
            b"" if shape is None else bytes_field(2, tensor_shape(shape)),
            *_parts(4, tensor_content, empty_too=False),
            packed_floats(5, float_val) if len(float_val) else b"",
            packed_doubles(6, double_val) if len(double_val) else b"",
            packed_varints(7, int_val) if len(int_val) else b"",
            b"".join([bytes_field(8, s) for s in string_val]),
            packed_floats(9, scomplex_val) if len(scomplex_val) else b"",
            packed_varints(10, int64_val) if len(int64_val) else b"",
            packed_varints(11, bool_val) if len(bool_val) else b"",
            packed_doubles(12, dcomplex_val) if len(dcomplex_val) else b"",
            packed_varints(13, half_val) if len(half_val) else b"",
            packed_varints(16, uint32_val) if len(uint32_val) else b"",
            packed_varints(17, uint64_val) if len(uint64_val) else b"",
        )
    )


# -- plugins/custom_scalar/layout.proto -------------------------------------------------------


def layout(categories: Iterable[bytes], version: int = 0) -> bytes:
    """message Layout { int32 version = 1; repeated Category category = 2; }"""
    return _uint_if_set(1, version) + b"".join([bytes_field(2, c) for c in categories])


def category(title: str, charts: Iterable[bytes], closed: bool = False) -> bytes:
    """message Category { string title = 1; repeated Chart chart = 2; bool closed = 3; }"""
    return (
        _string_if_set(1, title)
        + b"".join([bytes_field(2, c) for c in charts])
        + _uint_if_set(3, int(closed))
    )


def chart(title: str, multiline: Optional[bytes] = None, margin: Optional[bytes] = None) -> bytes:
    """message Chart { string title = 1;
    oneof content { MultilineChartContent multiline = 2; MarginChartContent margin = 3; } }"""
    return _string_if_set(1, title) + _explicit(2, multiline) + _explicit(3, margin)


def multiline_chart_content(tags: Iterable[str]) -> bytes:
    """message MultilineChartContent { repeated string tag = 1; }"""
    return b"".join([string_field(1, t) for t in tags])


def margin_chart_content(series: Iterable[Sequence[str]]) -> bytes:
    """message MarginChartContent { message Series { string value = 1; string lower = 2;
    string upper = 3; } repeated Series series = 1; }  (``series``: (value, lower, upper))"""
    return b"".join(
        [
            bytes_field(1, _string_if_set(1, v) + _string_if_set(2, lo) + _string_if_set(3, up))
            for v, lo, up in series
        ]
    )


# -- plugins/pr_curve/plugin_data.proto, plugins/mesh/plugin_data.proto -----------------------


def pr_curve_plugin_data(num_thresholds: int, version: int = 0) -> bytes:
    """message PrCurvePluginData { int32 version = 1; uint32 num_thresholds = 2; }"""
    return _uint_if_set(1, version) + _uint_if_set(2, num_thresholds)


# enum MeshPluginData.ContentType
MESH_VERTEX, MESH_FACE, MESH_COLOR = 1, 2, 3


def mesh_plugin_data(
    name: str,
    content_type: int,
    json_config: str,
    shape: Sequence[int],
    components: int,
    version: int = 0,
) -> bytes:
    """message MeshPluginData { int32 version = 1; string name = 2;
    ContentType content_type = 3; string json_config = 5; repeated int32 shape = 6;
    uint32 components = 7; }   (ContentType: UNDEFINED=0, VERTEX=1, FACE=2, COLOR=3)"""
    return b"".join(
        (
            _uint_if_set(1, version),
            _string_if_set(2, name),
            _uint_if_set(3, content_type),
            _string_if_set(5, json_config),
            packed_varints(6, shape) if len(shape) else b"",
            _uint_if_set(7, components),
        )
    )


# -- google/protobuf/struct.proto, plugins/hparams/{api,plugin_data}.proto -------------------


def struct_value(value: PyValue) -> bytes:
    """message Value { oneof kind { NullValue null_value = 1; double number_value = 2;
      string string_value = 3; bool bool_value = 4; Struct struct_value = 5;
      ListValue list_value = 6; } }

    ``value``: ``None``, a bool, a float or a str. Members of a ``oneof`` keep explicit
    presence, so ``False``, ``0.0`` and ``""`` are written (``20 00``, ``11 00..00``, ``1a 00``)."""
    if value is None:
        return uint_field(1, 0)
    if value is True or value is False:
        return uint_field(4, int(value))
    if isinstance(value, str):
        return string_field(3, value)
    return double_field(2, value)


def list_value(values: Iterable[PyValue]) -> bytes:
    """message ListValue { repeated Value values = 1; }  (``values``: Python values)"""
    return b"".join([bytes_field(1, struct_value(v)) for v in values])


# enum DataType; enum Status
DATA_TYPE_UNSET, DATA_TYPE_STRING, DATA_TYPE_BOOL, DATA_TYPE_FLOAT64 = 0, 1, 2, 3
STATUS_UNKNOWN, STATUS_SUCCESS, STATUS_FAILURE, STATUS_RUNNING = 0, 1, 2, 3


def hparam_info(
    name: str,
    type: int = 0,
    domain_discrete: Optional[Iterable[PyValue]] = None,
    display_name: str = "",
    description: str = "",
) -> bytes:
    """message HParamInfo { string name = 1; string display_name = 2; string description = 3;
    DataType type = 4; oneof domain { ListValue domain_discrete = 5;
    Interval domain_interval = 6; } bool differs = 7; }  (``domain_discrete``: values)"""
    return b"".join(
        (
            _string_if_set(1, name),
            _string_if_set(2, display_name),
            _string_if_set(3, description),
            _uint_if_set(4, type),
            b"" if domain_discrete is None else bytes_field(5, list_value(domain_discrete)),
        )
    )


def metric_info(tag: str, group: str = "") -> bytes:
    """message MetricInfo { MetricName name = 1; ... }
    message MetricName { string group = 1; string tag = 2; }"""
    return bytes_field(1, _string_if_set(1, group) + _string_if_set(2, tag))


def experiment(hparam_infos: Iterable[bytes] = (), metric_infos: Iterable[bytes] = ()) -> bytes:
    """message Experiment { string description = 1; string user = 2;
    double time_created_secs = 3; repeated HParamInfo hparam_infos = 4;
    repeated MetricInfo metric_infos = 5; string name = 6; }"""
    return b"".join([bytes_field(4, h) for h in hparam_infos]) + b"".join(
        [bytes_field(5, m) for m in metric_infos]
    )


def session_start_info(
    hparams: Iterable[Tuple[str, PyValue]] = (), group_name: str = "", start_time_secs: float = 0.0
) -> bytes:
    """message SessionStartInfo { map<string, google.protobuf.Value> hparams = 1;
      string model_uri = 2; string monitor_url = 3; string group_name = 4;
      double start_time_secs = 5; }

    ``hparams``: ``(name, python value)`` pairs. A map entry is the message
    ``{ string key = 1; Value value = 2; }`` with both fields always written (the runtime
    writes ``0a 00`` for an empty key). Entries go out in the order given (the protobuf
    runtime uses its hash order; readers do not care)."""
    return b"".join(
        [bytes_field(1, string_field(1, k) + bytes_field(2, struct_value(v))) for k, v in hparams]
        + [_string_if_set(4, group_name), _double_if_set(5, start_time_secs)]
    )


def session_end_info(status: int = STATUS_SUCCESS, end_time_secs: float = 0.0) -> bytes:
    """message SessionEndInfo { Status status = 1; double end_time_secs = 2; }"""
    return _uint_if_set(1, status) + _double_if_set(2, end_time_secs)


def hparams_plugin_data(
    experiment: Optional[bytes] = None,
    session_start_info: Optional[bytes] = None,
    session_end_info: Optional[bytes] = None,
    version: int = 0,
) -> bytes:
    """message HParamsPluginData { int32 version = 1; oneof data { Experiment experiment = 2;
    SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }"""
    return (
        _uint_if_set(1, version)
        + _explicit(2, experiment)
        + _explicit(3, session_start_info)
        + _explicit(4, session_end_info)
    )


# -- graph.proto, node_def.proto, attr_value.proto, versions.proto, config.proto ---------------


def graph_def(nodes: Iterable[bytes], producer: Optional[int] = 0) -> bytes:
    """message GraphDef { repeated NodeDef node = 1; FunctionDefLibrary library = 2;
      int32 version = 3 [deprecated = true]; VersionDef versions = 4; ... }

    ``nodes``: encoded NodeDefs; ``versions`` is written when ``producer`` is given
    (PyTorch writes ``versions { producer: 22 }``)."""
    return b"".join([bytes_field(1, n) for n in nodes]) + (
        bytes_field(4, version_def(producer)) if producer is not None else b""
    )


def version_def(producer: int = 0, min_consumer: int = 0) -> bytes:
    """message VersionDef { int32 producer = 1; int32 min_consumer = 2;
    repeated int32 bad_consumers = 3; }"""
    return _uint_if_set(1, producer) + _uint_if_set(2, min_consumer)


def node_def(
    name: str,
    op: str,
    inputs: Iterable[str] = (),
    device: str = "",
    attr: Iterable[Tuple[str, bytes]] = (),
) -> bytes:
    """message NodeDef { string name = 1; string op = 2; repeated string input = 3;
      string device = 4; map<string, AttrValue> attr = 5; ... }

    ``attr``: ``(key, encoded AttrValue)`` pairs, written in the order given (map entries
    always carry key and value)."""
    return b"".join(
        [_string_if_set(1, name), _string_if_set(2, op)]
        + [string_field(3, i) for i in inputs]
        + [_string_if_set(4, device)]
        + [bytes_field(5, string_field(1, k) + bytes_field(2, v)) for k, v in attr]
    )


def attr_value(
    s: Union[str, bytes, None] = None,
    i: Optional[int] = None,
    f: Optional[float] = None,
    b: Optional[bool] = None,
    type: Optional[int] = None,
    shape: Optional[Iterable[int]] = None,
    list: Optional[bytes] = None,
) -> bytes:
    """message AttrValue { oneof value { ListValue list = 1; bytes s = 2; int64 i = 3;
      float f = 4; bool b = 5; DataType type = 6; TensorShapeProto shape = 7;
      TensorProto tensor = 8; string placeholder = 9; NameAttrList func = 10; } }

    Exactly one member: ``s`` (bytes or str), ``i``, ``f``, ``b``, ``type`` (a DataType
    number), ``shape`` (dims; -1 unknown) or ``list`` (an encoded AttrValue.ListValue)."""
    if list is not None:
        return bytes_field(1, list)
    if s is not None:
        return bytes_field(2, s.encode("utf-8") if isinstance(s, str) else s)
    if i is not None:
        return uint_field(3, i)
    if f is not None:
        return float_field(4, f)
    if b is not None:
        return uint_field(5, int(b))
    if type is not None:
        return uint_field(6, type)
    if shape is not None:
        return bytes_field(7, tensor_shape(shape))
    raise ValueError("attr_value needs one value")


def attr_list(
    s: Iterable[Union[str, bytes]] = (),
    i: Sequence[int] = (),
    f: Sequence[float] = (),
    b: Sequence[bool] = (),
    type: Sequence[int] = (),
    shape: Iterable[Iterable[int]] = (),
) -> bytes:
    """message AttrValue.ListValue { repeated bytes s = 2; repeated int64 i = 3 [packed];
      repeated float f = 4 [packed]; repeated bool b = 5 [packed];
      repeated DataType type = 6 [packed]; repeated TensorShapeProto shape = 7; ... }

    ``shape``: a list of dims lists (each one TensorShapeProto)."""
    return b"".join(
        [bytes_field(2, v.encode("utf-8") if isinstance(v, str) else v) for v in s]
        + [
            packed_varints(3, i) if len(i) else b"",
            packed_floats(4, f) if len(f) else b"",
            packed_varints(5, [int(v) for v in b]) if len(b) else b"",
            packed_varints(6, type) if len(type) else b"",
        ]
        + [bytes_field(7, tensor_shape(dims)) for dims in shape]
    )


def run_metadata(devices: Iterable[str] = ()) -> bytes:
    """message RunMetadata { StepStats step_stats = 1; ... }
    message StepStats { repeated DeviceStepStats dev_stats = 1; }
    message DeviceStepStats { string device = 1; repeated NodeExecStats node_stats = 2; ... }

    ``devices``: device names, one DeviceStepStats each without node stats (what PyTorch's
    add_graph writes: ``step_stats { dev_stats { device: "/device:CPU:0" } }``)."""
    return bytes_field(1, b"".join([bytes_field(1, _string_if_set(1, d)) for d in devices]))


# -- decoding ---------------------------------------------------------------------------------


class Message:
    """A decoded protobuf message: one attribute per ``.proto`` field.

    Unset fields read as proto3 defaults (0, 0.0, "", b"", False, [] for repeated fields, and
    ``None`` for embedded messages, so ``event.summary is not None`` says which ``oneof`` member
    is set). ``repr`` shows only the fields that were on the wire.

    Read decoded messages, do not change them: the decoder gives one shared Message for
    sub-messages of some types decoded from the same bytes (:meth:`Schema.share`: the
    SummaryMetadata that every event of a tag repeats).
    """

    def __getattr__(self, name: str) -> Any:
        # Only for names not in the instance: the decoder leaves out repeated fields that were
        # not on the wire (one empty list per absent field of every message made most of
        # what a log's messages allocated, and the garbage collector walks each list). The
        # empty list is made here, once, and kept, so that appending to it sticks.
        if name[:1] != "_":  # _schema itself may be missing (copy and pickle make instances)
            schema = self.__dict__.get("_schema")
            if schema is not None and name in schema._lazy_lists():
                value: List[Any] = []
                self.__dict__[name] = value
                return value
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    def __init__(self, schema: Schema, fields: Dict[str, Any], present: Iterable[str] = ()) -> None:
        self._schema = schema
        self._present = frozenset(present)
        self.__dict__.update(fields)

    @property
    def type_name(self) -> str:
        return self._schema.name

    def fields(self) -> List[Tuple[str, Any]]:
        """``(name, value)`` for every field that was on the wire, in field-number order.

        (A message with a field named ``fields``, as ``google.protobuf.Struct`` has, hides this
        method behind that attribute: call ``Message.fields(msg)`` there.)"""
        return [
            (name, self.__dict__[name])
            for _, (name, _, _) in sorted(self._schema.fields.items())
            if name in self._present
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self._schema is other._schema and self._values() == other._values()

    def _values(self) -> List[Any]:
        return [getattr(self, name) for name, _, _ in self._schema.fields.values()]

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        inner = ", ".join("%s=%r" % item for item in Message.fields(self))
        return "%s(%s)" % (self._schema.name, inner)


# Nesting limit of Schema.decode: protobuf's default recursion limit (C++
# io::CodedInputStream::kDefaultRecursionLimit, Python's and upb's too) is 100.
MAX_DEPTH = 100

_DEFAULTS = {
    "double": 0.0,
    "float": 0.0,
    "int64": 0,
    "int32": 0,
    "uint64": 0,
    "uint32": 0,
    "enum": 0,
    "bool": False,
    "string": "",
    "bytes": b"",
}
_PACKABLE = {"double", "float", "int64", "int32", "uint64", "uint32", "enum", "bool"}


class _Malformed(Exception):
    """The fast decoder met something it does not take (any malformed input, or a message
    nested too deep): Schema.decode then runs the checked decoder, which raises the error."""


# What the fast decoder does with one (field number, wire type) key, by the field's type.
_OP_VARINT = 0  # int32, int64, uint32, uint64, enum: a varint (converted when > 1 byte)
_OP_BOOL = 1
_OP_DOUBLE = 2  # I64
_OP_FLOAT = 3  # I32
_OP_STRING = 4  # from here on LEN: a varint length, then that many bytes
_OP_BYTES = 5
_OP_MESSAGE = 6
_OP_PACKED = 7  # packed repeated numbers

_unpack_double = struct.Struct("<d").unpack_from
_unpack_float = struct.Struct("<f").unpack_from
_new = object.__new__
_decode_varint = _wire.decode_varint
# Shared messages (Schema.share) kept per schema, and the longest encoding kept.
_SHARED_COUNT = 1024
_SHARED_SIZE = 512
# Distinct presence sets kept per schema: far more than real messages show (a few each).
_PRESENT_SETS = 4096


def _uint32(value: int) -> int:
    return value & 0xFFFFFFFF


# How a varint of more than one byte becomes the field's value (one byte, < 128, is the value
# itself for all of them): as _scalar converts.
_VARINT_CONVERT = {
    "int64": _wire.to_int64,
    "int32": _wire.to_int32,
    "enum": _wire.to_int32,
    "uint32": _uint32,
    "uint64": None,
    "bool": None,
}


def _packed(kind: str) -> Any:
    """The function turning a packed field's bytes into its values (a list)."""
    if kind == "double":
        return _wire.unpack_doubles
    if kind == "float":
        return _wire.unpack_floats
    return lambda raw: [_scalar(kind, v) for v in _wire.unpack_varints(raw)]


def _ops(kind: Any, repeated: bool) -> Dict[int, Tuple[int, Any]]:
    """wire type -> (op, argument) for the keys a field of this type decodes without error."""
    if isinstance(kind, Schema):  # the argument: how to decode the submessage
        decode = kind._fast if kind._shared is None else kind._fast_shared
        return {_wire.LEN: (_OP_MESSAGE, decode)}
    wire_type = _WIRE_TYPES[kind]
    if wire_type == _wire.VARINT:
        op = (_OP_BOOL, None) if kind == "bool" else (_OP_VARINT, _VARINT_CONVERT[kind])
    elif kind in ("double", "float"):
        op = (_OP_DOUBLE if kind == "double" else _OP_FLOAT, None)
    else:
        op = (_OP_STRING if kind == "string" else _OP_BYTES, None)
    out = {wire_type: op}
    if repeated and kind in _PACKABLE:
        out[_wire.LEN] = (_OP_PACKED, _packed(kind))
    return out


def _height(schema: Schema, seen: Tuple[Schema, ...]) -> int:
    """How many levels of messages ``schema`` can hold below itself (ValueError if it can
    hold itself)."""
    if schema in seen:
        raise ValueError("%s can nest itself" % schema.name)
    kinds = [kind for _, kind, _ in schema.fields.values() if isinstance(kind, Schema)]
    return max([1 + _height(kind, seen + (schema,)) for kind in kinds], default=0)


class Schema:
    """One message type: ``fields`` maps field number -> (name, kind, repeated), where kind is a
    scalar type name from the ``.proto`` or another Schema. ``oneof``: names of oneof members
    (they keep explicit presence, so a member set to its default still shows as set).

    ``fields`` and ``oneof`` may be filled in after construction (recursive types need it), but
    not after the first decode: the decoder's tables are built from them then."""

    def __init__(
        self, name: str, fields: Dict[int, Tuple[str, Any, bool]], oneof: Iterable[str] = ()
    ) -> None:
        self.name = name
        self.fields = fields
        self.oneof = frozenset(oneof)
        self._table: Optional[Tuple[Any, ...]] = None
        self._names: Tuple[str, ...] = ()
        self._shared: Optional[Dict[bytes, Message]] = None
        self._shared_depth = -1

    def share(self) -> None:
        """Let decoded messages of this type share one Message per distinct encoding (up to
        :data:`_SHARED_COUNT` of at most :data:`_SHARED_SIZE` bytes). For small messages that
        recur unchanged in every event of a tag (SummaryMetadata, TensorShapeProto): they
        then cost one dict lookup. Only for types that cannot nest themselves."""
        self._shared = {}
        # A shared message decoded at one depth stands for the same bytes at another: only
        # where its deepest nested message is still within MAX_DEPTH.
        self._shared_depth = MAX_DEPTH - _height(self, ())

    def decode(
        self, buf: bytes, base: int = 0, path: Optional[str] = None, depth: int = 0
    ) -> Message:
        """Decode one message. ``base`` is the offset of ``buf`` inside the outermost buffer,
        so that errors report positions a reader can find; ``path`` names the field; ``depth``
        counts the messages this one is nested in (more than :data:`MAX_DEPTH` levels raise
        DecodeError, as protobuf's parsers refuse input nested deeper than their recursion
        limit, 100 by default)."""
        # Valid bytes go through the fast decoder, which builds no error paths and checks only
        # enough to give up on anything malformed; the checked decoder (the specification of
        # the errors: message, offset, section) then runs from the start. Errors are rare.
        if type(buf) is bytes:
            try:
                return self._fast(buf, depth)
            except Exception:  # whatever the cause, the checked decoder says it exactly
                pass
        return self._checked(buf, base, path, depth)

    def _fast(self, buf: bytes, depth: int) -> Message:
        """Decode valid bytes; raise (anything) on what the checked decoder would refuse."""
        if depth > MAX_DEPTH:
            raise _Malformed
        ops, defaults, eager_lists, present_sets, _ = self._table or self._compile()
        values = defaults.copy()
        for name in eager_lists:
            values[name] = []
        mask = 0  # which fields were on the wire, one bit each
        pos = 0
        end = len(buf)
        value: Any
        while pos < end:
            key = buf[pos]  # a key below 128 (fields 1-15) is one byte: no varint to decode
            if key < 128:
                pos += 1
            else:
                key, pos = _decode_varint(buf, pos)
            op = ops.get(key)
            if op is None:
                pos = self._skip(buf, key, pos)
                continue
            code, name, bit, arg, repeated, clear = op
            mask |= bit
            if code >= _OP_STRING:  # LEN: a varint length, then the bytes
                size = buf[pos]
                if size < 128:
                    pos += 1
                else:
                    size, pos = _decode_varint(buf, pos)
                start = pos
                pos += size
                if pos > end:
                    raise _Malformed
                if code == _OP_STRING:
                    value = buf[start:pos].decode("utf-8")
                elif code == _OP_MESSAGE:
                    value = arg(buf[start:pos], depth + 1)
                elif code == _OP_BYTES:
                    value = buf[start:pos]
                else:  # packed numbers (a repeated field): the list, or more for it
                    items = values.get(name)
                    if items is None:
                        values[name] = arg(buf[start:pos])
                    else:
                        items.extend(arg(buf[start:pos]))
                    continue
            elif code <= _OP_BOOL:
                value = buf[pos]
                if value < 128:
                    pos += 1
                else:
                    value, pos = _decode_varint(buf, pos)
                    if arg is not None:
                        value = arg(value)
                if code == _OP_BOOL:
                    value = value != 0
            elif code == _OP_DOUBLE:
                value = _unpack_double(buf, pos)[0]  # struct.error past the end
                pos += 8
            else:
                value = _unpack_float(buf, pos)[0]
                pos += 4
            if not repeated:
                values[name] = value
                if clear is not None and mask & clear[0]:  # another member of its oneof is set
                    mask = self._clear(values, mask, clear)
            elif name in values:
                values[name].append(value)
            else:
                values[name] = [value]
        present = present_sets.get(mask)
        values["_present"] = self._present_set(mask) if present is None else present
        message = _new(Message)
        message.__dict__ = values
        return message

    def _fast_shared(self, buf: bytes, depth: int) -> Message:
        """_fast for a type that shares its messages (Schema.share)."""
        shared: Dict[bytes, Message] = self._shared  # type: ignore[assignment]
        message = shared.get(buf) if depth <= self._shared_depth else None
        if message is None:
            message = self._fast(buf, depth)
            if len(buf) <= _SHARED_SIZE and len(shared) < _SHARED_COUNT:
                shared[buf] = message
        return message

    def _clear(self, values: Dict[str, Any], mask: int, clear: Tuple[int, Any]) -> int:
        """Reset the other members of the oneof a member was just set in (the checked decoder
        drops them: they read as defaults and do not count as present)."""
        defaults, lazy = self._table[1], self._table[4]  # type: ignore[index]
        for other in clear[1]:
            if other in lazy:
                values.pop(other, None)
            else:
                values[other] = [] if other not in defaults else defaults[other]
        return mask & ~clear[0]

    def _skip(self, buf: bytes, key: int, pos: int) -> int:
        """Step over a field the schema does not know (protobuf parsers skip unknown fields);
        raise _Malformed where the checked decoder raises: field number 0, a wire type that is
        a group's or undefined, a known field with a wire type its type does not take, a value
        running past the end."""
        number, wire_type = key >> 3, key & 7
        if number == 0 or number in self.fields:
            raise _Malformed
        if wire_type == _wire.VARINT:
            return _decode_varint(buf, pos)[1]
        if wire_type == _wire.LEN:
            size, pos = _decode_varint(buf, pos)
        elif wire_type == _wire.I64 or wire_type == _wire.I32:
            size = 8 if wire_type == _wire.I64 else 4
        else:
            raise _Malformed
        if pos + size > len(buf):
            raise _Malformed
        return pos + size

    def _compile(self) -> Tuple[Any, ...]:
        """The fast decoder's tables: key -> (op, name, presence bit, argument, repeated,
        oneof clearing); the fields' defaults; the repeated fields made eagerly; presence sets
        by mask; the repeated fields left out until read (Message.__getattr__)."""
        bits: Dict[str, int] = {}
        for name, _, _ in self.fields.values():
            bits.setdefault(name, 1 << len(bits))
        oneof_bits = sum(bits[name] for name in self.oneof if name in bits)
        ops = {}
        for number, (name, kind, repeated) in self.fields.items():
            clear = None
            if name in self.oneof and not repeated:
                others = tuple(other for other in self.oneof if other != name and other in bits)
                clear = (oneof_bits & ~bits[name], others)
            for wire_type, (op, arg) in _ops(kind, repeated).items():
                ops[(number << 3) | wire_type] = (op, name, bits[name], arg, repeated, clear)
        defaults: Dict[str, Any] = {"_schema": self, "_present": None}
        lists = []
        for name, kind, repeated in self.fields.values():
            if repeated:
                lists.append(name)
            else:
                defaults[name] = None if isinstance(kind, Schema) else _DEFAULTS[kind]
        # A field named as an attribute of Message (Struct's "fields") must be in the instance
        # to hide the attribute: those lists are made with every message.
        eager = tuple(name for name in lists if hasattr(Message, name))
        lazy = frozenset(lists) - frozenset(eager)
        self._names = tuple(bits)
        self._table = (ops, defaults, eager, {}, lazy)
        return self._table

    def _lazy_lists(self) -> FrozenSet[str]:
        """The repeated fields a decoded message makes on first reading."""
        return (self._table or self._compile())[4]

    def _present_set(self, mask: int) -> FrozenSet[str]:
        """The names of the fields in ``mask``, one shared frozenset per distinct mask."""
        names = frozenset(name for i, name in enumerate(self._names) if mask >> i & 1)
        present_sets = (self._table or self._compile())[3]
        if len(present_sets) < _PRESENT_SETS:
            present_sets[mask] = names
        return names

    def _checked(self, buf: bytes, base: int, path: Optional[str], depth: int) -> Message:
        """Decode one message checking everything, as the reference for errors: each
        DecodeError says what, where (offset into the outermost buffer) and in which field."""
        path = path or self.name
        if depth > MAX_DEPTH:  # the outermost is 0: 100 levels of submessages below it
            raise DecodeError("messages nested more than %d deep" % MAX_DEPTH, base, path)
        values: Dict[str, Any] = {}
        present = set()
        try:
            for number, wire_type, raw, offset in _wire.iter_fields(buf):
                spec = self.fields.get(number)
                if spec is None:
                    continue  # unknown fields are skipped, as every protobuf parser does
                name, kind, repeated = spec
                value = self._convert(
                    kind,
                    repeated,
                    wire_type,
                    raw,
                    base + offset,
                    "%s.%s" % (path, name),
                    len(values.get(name, ())) if repeated else 0,
                    depth,
                )
                present.add(name)
                if repeated:
                    if isinstance(value, list):
                        values.setdefault(name, []).extend(value)
                    else:
                        values.setdefault(name, []).append(value)
                else:
                    values[name] = value
                    if name in self.oneof:  # setting one member clears the others
                        for other in self.oneof - {name}:
                            values.pop(other, None)
                            present.discard(other)
        except DecodeError as err:
            if err.section:  # already placed by a nested decoder
                raise
            raise DecodeError(err.msg, base + (err.offset or 0), path) from None
        for name, kind, repeated in self.fields.values():
            if name not in values:
                values[name] = (
                    [] if repeated else (None if isinstance(kind, Schema) else _DEFAULTS[kind])
                )
        return Message(self, values, present)

    @staticmethod
    def _convert(kind, repeated, wire_type, raw, offset, path, index, depth):
        if isinstance(kind, Schema):
            if wire_type != _wire.LEN:
                raise DecodeError("wire type %d for a message field" % wire_type, offset, path)
            if repeated:
                path = "%s[%d]" % (path, index)
            return kind._checked(raw, offset, path, depth + 1)
        if repeated and wire_type == _wire.LEN and kind in _PACKABLE:
            try:
                if kind == "double":
                    return _wire.unpack_fixed(raw, "d", 8)
                if kind == "float":
                    return _wire.unpack_fixed(raw, "f", 4)
                return [_scalar(kind, v) for v in _wire.unpack_varints(raw)]
            except DecodeError as err:
                raise DecodeError("packed field: " + err.msg, offset, path) from None
        expected = _WIRE_TYPES[kind]
        if wire_type != expected:
            raise DecodeError(
                "wire type %d where %s needs %d" % (wire_type, kind, expected), offset, path
            )
        if kind == "double":
            return _wire.unpack_double(raw)
        if kind == "float":
            return _wire.unpack_float(raw)
        if kind == "string":
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DecodeError("string is not UTF-8 (%s)" % err.reason, offset, path) from None
        if kind == "bytes":
            return raw
        return _scalar(kind, raw)


_WIRE_TYPES = {
    "double": _wire.I64,
    "float": _wire.I32,
    "string": _wire.LEN,
    "bytes": _wire.LEN,
    "int64": _wire.VARINT,
    "int32": _wire.VARINT,
    "uint64": _wire.VARINT,
    "uint32": _wire.VARINT,
    "enum": _wire.VARINT,
    "bool": _wire.VARINT,
}


def _scalar(kind, value):
    if kind == "int64":
        return _wire.to_int64(value)
    if kind in ("int32", "enum"):
        return _wire.to_int32(value)
    if kind == "uint32":
        return value & 0xFFFFFFFF
    if kind == "bool":
        return bool(value)
    return value


# The schemas mirror TensorBoard 2.21's descriptors (field number: name, type, repeated).
SOURCE_METADATA = Schema("SourceMetadata", {1: ("writer", "string", False)})
LOG_MESSAGE = Schema("LogMessage", {1: ("level", "enum", False), 2: ("message", "string", False)})
SESSION_LOG = Schema(
    "SessionLog",
    {
        1: ("status", "enum", False),
        2: ("checkpoint_path", "string", False),
        3: ("msg", "string", False),
    },
)
TAGGED_RUN_METADATA = Schema(
    "TaggedRunMetadata", {1: ("tag", "string", False), 2: ("run_metadata", "bytes", False)}
)
PLUGIN_DATA = Schema(
    "PluginData", {1: ("plugin_name", "string", False), 2: ("content", "bytes", False)}
)
SUMMARY_METADATA = Schema(
    "SummaryMetadata",
    {
        1: ("plugin_data", PLUGIN_DATA, False),
        2: ("display_name", "string", False),
        3: ("summary_description", "string", False),
        4: ("data_class", "enum", False),
    },
)
DIM = Schema("Dim", {1: ("size", "int64", False), 2: ("name", "string", False)})
TENSOR_SHAPE = Schema(
    "TensorShapeProto", {2: ("dim", DIM, True), 3: ("unknown_rank", "bool", False)}
)
TENSOR = Schema(
    "TensorProto",
    {
        1: ("dtype", "enum", False),
        2: ("tensor_shape", TENSOR_SHAPE, False),
        3: ("version_number", "int32", False),
        4: ("tensor_content", "bytes", False),
        5: ("float_val", "float", True),
        6: ("double_val", "double", True),
        7: ("int_val", "int32", True),
        8: ("string_val", "bytes", True),
        9: ("scomplex_val", "float", True),
        10: ("int64_val", "int64", True),
        11: ("bool_val", "bool", True),
        12: ("dcomplex_val", "double", True),
        13: ("half_val", "int32", True),
        16: ("uint32_val", "uint32", True),
        17: ("uint64_val", "uint64", True),
        18: ("float8_val", "bytes", False),
    },
)
HISTOGRAM = Schema(
    "HistogramProto",
    {
        1: ("min", "double", False),
        2: ("max", "double", False),
        3: ("num", "double", False),
        4: ("sum", "double", False),
        5: ("sum_squares", "double", False),
        6: ("bucket_limit", "double", True),
        7: ("bucket", "double", True),
    },
)
IMAGE = Schema(
    "Image",
    {
        1: ("height", "int32", False),
        2: ("width", "int32", False),
        3: ("colorspace", "int32", False),
        4: ("encoded_image_string", "bytes", False),
    },
)
AUDIO = Schema(
    "Audio",
    {
        1: ("sample_rate", "float", False),
        2: ("num_channels", "int64", False),
        3: ("length_frames", "int64", False),
        4: ("encoded_audio_string", "bytes", False),
        5: ("content_type", "string", False),
    },
)
VALUE = Schema(
    "Value",
    {
        1: ("tag", "string", False),
        2: ("simple_value", "float", False),
        3: ("obsolete_old_style_histogram", "bytes", False),
        4: ("image", IMAGE, False),
        5: ("histo", HISTOGRAM, False),
        6: ("audio", AUDIO, False),
        7: ("node_name", "string", False),
        8: ("tensor", TENSOR, False),
        9: ("metadata", SUMMARY_METADATA, False),
    },
    oneof=("simple_value", "obsolete_old_style_histogram", "image", "histo", "audio", "tensor"),
)
SUMMARY = Schema("Summary", {1: ("value", VALUE, True)})
# Every event of a tag repeats its metadata; TensorFlow's scalars repeat an empty shape.
SUMMARY_METADATA.share()
TENSOR_SHAPE.share()
EVENT = Schema(
    "Event",
    {
        1: ("wall_time", "double", False),
        2: ("step", "int64", False),
        3: ("file_version", "string", False),
        4: ("graph_def", "bytes", False),
        5: ("summary", SUMMARY, False),
        6: ("log_message", LOG_MESSAGE, False),
        7: ("session_log", SESSION_LOG, False),
        8: ("tagged_run_metadata", TAGGED_RUN_METADATA, False),
        9: ("meta_graph_def", "bytes", False),
        10: ("source_metadata", SOURCE_METADATA, False),
    },
    oneof=(
        "file_version",
        "graph_def",
        "summary",
        "log_message",
        "session_log",
        "tagged_run_metadata",
        "meta_graph_def",
    ),
)

SERIES = Schema(
    "Series",
    {1: ("value", "string", False), 2: ("lower", "string", False), 3: ("upper", "string", False)},
)
MULTILINE = Schema("MultilineChartContent", {1: ("tag", "string", True)})
MARGIN = Schema("MarginChartContent", {1: ("series", SERIES, True)})
CHART = Schema(
    "Chart",
    {
        1: ("title", "string", False),
        2: ("multiline", MULTILINE, False),
        3: ("margin", MARGIN, False),
    },
    oneof=("multiline", "margin"),
)
CATEGORY = Schema(
    "Category",
    {1: ("title", "string", False), 2: ("chart", CHART, True), 3: ("closed", "bool", False)},
)
LAYOUT = Schema("Layout", {1: ("version", "int32", False), 2: ("category", CATEGORY, True)})

PR_CURVE_PLUGIN_DATA = Schema(
    "PrCurvePluginData", {1: ("version", "int32", False), 2: ("num_thresholds", "uint32", False)}
)
MESH_PLUGIN_DATA = Schema(
    "MeshPluginData",
    {
        1: ("version", "int32", False),
        2: ("name", "string", False),
        3: ("content_type", "enum", False),
        5: ("json_config", "string", False),
        6: ("shape", "int32", True),
        7: ("components", "uint32", False),
    },
)
STRUCT_VALUE = Schema("Value", {})  # recursive: filled in below
LIST_VALUE = Schema("ListValue", {1: ("values", STRUCT_VALUE, True)})
STRUCT = Schema("Struct", {})
STRUCT_VALUE.fields.update(
    {
        1: ("null_value", "enum", False),
        2: ("number_value", "double", False),
        3: ("string_value", "string", False),
        4: ("bool_value", "bool", False),
        5: ("struct_value", STRUCT, False),
        6: ("list_value", LIST_VALUE, False),
    }
)
STRUCT_VALUE.oneof = frozenset(
    ("null_value", "number_value", "string_value", "bool_value", "struct_value", "list_value")
)
MAP_ENTRY = Schema("HparamsEntry", {1: ("key", "string", False), 2: ("value", STRUCT_VALUE, False)})
STRUCT.fields[1] = ("fields", MAP_ENTRY, True)
INTERVAL = Schema(
    "Interval", {1: ("min_value", "double", False), 2: ("max_value", "double", False)}
)
HPARAM_INFO = Schema(
    "HParamInfo",
    {
        1: ("name", "string", False),
        2: ("display_name", "string", False),
        3: ("description", "string", False),
        4: ("type", "enum", False),
        5: ("domain_discrete", LIST_VALUE, False),
        6: ("domain_interval", INTERVAL, False),
        7: ("differs", "bool", False),
    },
    oneof=("domain_discrete", "domain_interval"),
)
METRIC_NAME = Schema("MetricName", {1: ("group", "string", False), 2: ("tag", "string", False)})
METRIC_INFO = Schema(
    "MetricInfo",
    {
        1: ("name", METRIC_NAME, False),
        3: ("display_name", "string", False),
        4: ("description", "string", False),
        5: ("dataset_type", "enum", False),
    },
)
EXPERIMENT = Schema(
    "Experiment",
    {
        1: ("description", "string", False),
        2: ("user", "string", False),
        3: ("time_created_secs", "double", False),
        4: ("hparam_infos", HPARAM_INFO, True),
        5: ("metric_infos", METRIC_INFO, True),
        6: ("name", "string", False),
    },
)
SESSION_START_INFO = Schema(
    "SessionStartInfo",
    {
        1: ("hparams", MAP_ENTRY, True),
        2: ("model_uri", "string", False),
        3: ("monitor_url", "string", False),
        4: ("group_name", "string", False),
        5: ("start_time_secs", "double", False),
    },
)
SESSION_END_INFO = Schema(
    "SessionEndInfo", {1: ("status", "enum", False), 2: ("end_time_secs", "double", False)}
)
HPARAMS_PLUGIN_DATA = Schema(
    "HParamsPluginData",
    {
        1: ("version", "int32", False),
        2: ("experiment", EXPERIMENT, False),
        3: ("session_start_info", SESSION_START_INFO, False),
        4: ("session_end_info", SESSION_END_INFO, False),
    },
    oneof=("experiment", "session_start_info", "session_end_info"),
)

ATTR_LIST = Schema(
    "ListValue",
    {
        2: ("s", "bytes", True),
        3: ("i", "int64", True),
        4: ("f", "float", True),
        5: ("b", "bool", True),
        6: ("type", "enum", True),
        7: ("shape", TENSOR_SHAPE, True),
        8: ("tensor", TENSOR, True),
    },
)
ATTR_VALUE = Schema(
    "AttrValue",
    {
        1: ("list", ATTR_LIST, False),
        2: ("s", "bytes", False),
        3: ("i", "int64", False),
        4: ("f", "float", False),
        5: ("b", "bool", False),
        6: ("type", "enum", False),
        7: ("shape", TENSOR_SHAPE, False),
        8: ("tensor", TENSOR, False),
        9: ("placeholder", "string", False),
    },
    oneof=("list", "s", "i", "f", "b", "type", "shape", "tensor", "placeholder"),
)
ATTR_ENTRY = Schema("AttrEntry", {1: ("key", "string", False), 2: ("value", ATTR_VALUE, False)})
NODE_DEF = Schema(
    "NodeDef",
    {
        1: ("name", "string", False),
        2: ("op", "string", False),
        3: ("input", "string", True),
        4: ("device", "string", False),
        5: ("attr", ATTR_ENTRY, True),
    },
)
VERSION_DEF = Schema(
    "VersionDef",
    {
        1: ("producer", "int32", False),
        2: ("min_consumer", "int32", False),
        3: ("bad_consumers", "int32", True),
    },
)
GRAPH_DEF = Schema(
    "GraphDef",
    {
        1: ("node", NODE_DEF, True),
        3: ("version", "int32", False),
        4: ("versions", VERSION_DEF, False),
    },
)
DEVICE_STEP_STATS = Schema("DeviceStepStats", {1: ("device", "string", False)})
STEP_STATS = Schema("StepStats", {1: ("dev_stats", DEVICE_STEP_STATS, True)})
RUN_METADATA = Schema(
    "RunMetadata", {1: ("step_stats", STEP_STATS, False), 3: ("partition_graphs", GRAPH_DEF, True)}
)


def decode_event(buf: bytes, base: int = 0) -> Message:
    """Decode one serialized ``Event``; raises DecodeError naming the field path."""
    return EVENT.decode(buf, base)
