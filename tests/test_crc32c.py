# SPDX-License-Identifier: MIT
"""Tests for tinytb._crc32c.

Published vectors first (each with its source), then the fast paths checked
against the byte-at-a-time reference on seeded random data, then the pieces the
writer builds on (position tables, the CRC template) and the fold constants.
"""

import ast
import random
import struct

import pytest

from tinytb import _crc32c

crc32c = _crc32c.crc32c
crc32c_reference = _crc32c.crc32c_reference

BOTH = pytest.mark.parametrize(
    "crc_function", [crc32c, crc32c_reference], ids=["crc32c", "reference"]
)


def random_bytes(rng, n):
    # random.Random.randbytes is Python 3.9+, and getrandbits(0) fails on 3.8.
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


# --- Published vectors -------------------------------------------------------

# RFC 3720 (iSCSI), Appendix B.4 "CRC Examples"
# (https://www.rfc-editor.org/rfc/rfc3720#appendix-B.4).  The RFC prints each CRC as the
# four bytes that go on the wire, least significant first; these are the ints.
ISCSI_READ_10_PDU = bytes.fromhex(
    "01c00000000000000000000000000000"
    "14000000000004000000001400000018"
    "28000000000000000200000000000000"
)
RFC3720_VECTORS = [
    (bytes(32), 0x8A9136AA),  # 32 bytes of zeroes
    (b"\xff" * 32, 0x62A8AB43),  # 32 bytes of ones
    (bytes(range(32)), 0x46DD794E),  # 32 bytes incrementing 00..1f
    (bytes(range(31, -1, -1)), 0x113FDB5C),  # 32 bytes decrementing 1f..00
    (ISCSI_READ_10_PDU, 0xD9963A56),  # an iSCSI SCSI Read (10) command PDU
]


@BOTH
@pytest.mark.parametrize(
    "data, expected",
    RFC3720_VECTORS,
    ids=["zeros", "ones", "incrementing", "decrementing", "iscsi-read-pdu"],
)
def test_rfc3720_vectors(crc_function, data, expected):
    assert crc_function(data) == expected


@BOTH
def test_check_value(crc_function):
    # The catalogue "check" value (CRC of the ASCII digits 1..9), as in the
    # Rocksoft/Williams parameter model and google-crc32c's tests.
    assert crc_function(b"123456789") == 0xE3069283


@BOTH
def test_empty(crc_function):
    assert crc_function(b"") == 0
    assert crc_function(b"", 0x12345678) == 0x12345678


def test_table_is_generated_from_the_polynomial():
    # TABLE[1] is the second entry of TensorBoard's pasted CRC_TABLE literal
    # (https://github.com/tensorflow/tensorboard/blob/master/tensorboard/compat/
    # tensorflow_stub/pywrap_tensorflow.py).
    assert _crc32c.TABLE[1] == 0xF26B8303
    assert _crc32c.TABLE[128] == _crc32c.POLY == 0x82F63B78
    # The bit-by-bit definition, entry by entry.
    expected = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        expected.append(crc)
    assert list(_crc32c.TABLE) == expected


# Masked CRCs.  masked_crc32c(b"") is the mask delta itself; b"123456789" and
# b"a" follow from their well-known CRCs (0xE3069283, 0xC1D04330) and the mask.
# The 8-byte length 24 is the header of TensorBoard's own test record below.
@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", 0xA282EAD8),
        (b"123456789", 0xC78AB0E5),
        (b"a", 0x28E46E78),
        (struct.pack("<Q", 24), 0x224B7FA3),
    ],
)
def test_masked_crc32c_vectors(data, expected):
    assert _crc32c.masked_crc32c(data) == expected
    assert _crc32c.mask(crc32c(data)) == expected


def test_tensorboard_record():
    # EventFileLoaderTest.RECORD from https://github.com/tensorflow/tensorboard/blob/master/
    # tensorboard/backend/event_processing/event_file_loader_test.py: one TFRecord holding a
    # file_version event, laid out as uint64 length, uint32 masked crc of length, data,
    # uint32 masked crc of data.
    record = (
        b'\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK"\t\x00\x00\xc0%\xddu'
        b"\xd5A\x1a\rbrain.Event:1\xec\xf32\x8d"
    )
    (length,) = struct.unpack_from("<Q", record, 0)
    (header_crc,) = struct.unpack_from("<I", record, 8)
    data = record[12 : 12 + length]
    (data_crc,) = struct.unpack_from("<I", record, 12 + length)
    assert 12 + length + 4 == len(record)
    assert _crc32c.masked_crc32c(record[:8]) == header_crc
    assert _crc32c.masked_crc32c(data) == data_crc


def test_mask_matches_tensorboard_formula():
    # pywrap_tensorflow.masked_crc32c, transcribed:
    #     x = u32(crc32c(data)); return u32(((x >> 15) | u32(x << 17)) + 0xA282EAD8)
    def u32(x):
        return x & 0xFFFFFFFF

    rng = random.Random(3720)
    for crc in [0, 1, 0x7FFF, 0x8000, 0xFFFFFFFF] + [rng.getrandbits(32) for _ in range(200)]:
        assert _crc32c.mask(crc) == u32(((crc >> 15) | u32(crc << 17)) + 0xA282EAD8)


# --- Fast paths against the reference -----------------------------------------


def test_every_length_up_to_300():
    # 0..64 is the position-table path; above that, halving.
    rng = random.Random(300)
    for n in range(301):
        data = random_bytes(rng, n)
        assert crc32c(data) == crc32c_reference(data), n
        start = rng.getrandbits(32)
        assert crc32c(data, start) == crc32c_reference(data, start), n


def test_random_lengths_up_to_70000():
    rng = random.Random(70000)
    block = _crc32c._BLOCK
    lengths = [rng.randrange(70001) for _ in range(30)]
    # Around the switch to Horner's rule, and every remainder of the first block.
    lengths += [2 * block - 1, 2 * block, 3 * block - 1]
    lengths += [3 * block + r for r in range(6)]
    for n in lengths:
        data = random_bytes(rng, n)
        start = rng.getrandbits(32)
        assert crc32c(data) == crc32c_reference(data), n
        assert crc32c(data, start) == crc32c_reference(data, start), n


@pytest.mark.parametrize("byte", [0x00, 0xFF])
def test_long_constant_inputs(byte):
    # All-ones input sets every bit of every fold product.
    for n in (65, 1000, 2 * _crc32c._BLOCK, 50000):
        data = bytes([byte]) * n
        assert crc32c(data) == crc32c_reference(data), n


def test_continuation_across_the_64_byte_boundary():
    rng = random.Random(64)
    for total in range(56, 140):
        data = random_bytes(rng, total)
        expected = crc32c_reference(data)
        for cut in range(total + 1):
            assert crc32c(data[cut:], crc32c(data[:cut])) == expected, (total, cut)


def test_continuation_long():
    rng = random.Random(65)
    for a, b in [
        (30000, 50000),
        (1, 70000),
        (70000, 1),
        (3, 25000),
        (25000, 3),
        (2 * _crc32c._BLOCK, 2 * _crc32c._BLOCK),
    ]:
        first, second = random_bytes(rng, a), random_bytes(rng, b)
        expected = crc32c_reference(first + second)
        assert crc32c(second, crc32c(first)) == expected
        assert crc32c_reference(second, crc32c_reference(first)) == expected
        assert crc32c(first + second) == expected


@pytest.mark.parametrize("n", [0, 5, 48, 64, 65, 1000, 30000])
def test_bytes_like_inputs(n):
    rng = random.Random(n)
    data = random_bytes(rng, n + 8)
    expected = crc32c_reference(data[4 : 4 + n])
    assert crc32c(data[4 : 4 + n]) == expected
    assert crc32c(bytearray(data[4 : 4 + n])) == expected
    assert crc32c(memoryview(data)[4 : 4 + n]) == expected
    assert crc32c(memoryview(bytearray(data))[4 : 4 + n]) == expected
    assert crc32c_reference(memoryview(data)[4 : 4 + n]) == expected
    # A view whose items are not bytes still counts bytes.
    if n % 4 == 0:
        assert crc32c(memoryview(data[4 : 4 + n]).cast("I")) == expected
    # A non-contiguous view is read as the bytes it shows.
    stepped = memoryview(data)[::2]
    assert crc32c(stepped) == crc32c_reference(bytes(stepped))


def test_rejects_str():
    with pytest.raises(TypeError):
        crc32c("123456789")


def test_inputs_past_the_longest_are_cut_in_halves(monkeypatch):
    # The real limit is 32 GiB; lower it so that the path runs here.
    monkeypatch.setattr(_crc32c, "_LONGEST", 5000)
    rng = random.Random(5000)
    for n in (5001, 12345, 3 * _crc32c._BLOCK):
        data = random_bytes(rng, n)
        assert crc32c(data) == crc32c_reference(data), n


# --- Position tables and the CRC template --------------------------------------


def test_position_tables_identity():
    rng = random.Random(1)
    for n in range(1, 65):
        tables = _crc32c.position_tables(n)
        assert len(tables) == n and all(len(table) == 256 for table in tables)
        for _ in range(4):
            message = random_bytes(rng, n)
            combined = _crc32c.zeros_crc(n)
            for i, byte in enumerate(message):
                combined ^= tables[i][byte]
            assert combined == crc32c_reference(message), n


def test_position_tables_depend_on_distance_to_the_end():
    assert _crc32c.position_tables(1)[0] == _crc32c.TABLE
    for n in range(1, 64):
        assert _crc32c.position_tables(n)[-1] == _crc32c.TABLE
        assert _crc32c.position_tables(n + 1)[1:] == _crc32c.position_tables(n)
    assert _crc32c.position_tables(40) is _crc32c.position_tables(40)  # cached


@pytest.mark.parametrize("n", [0, 65, -1])
def test_position_tables_range(n):
    with pytest.raises(ValueError):
        _crc32c.position_tables(n)


def test_zeros_crc():
    for n in list(range(70)) + [100, 5000, 30000]:
        assert _crc32c.zeros_crc(n) == crc32c_reference(bytes(n)), n
    assert _crc32c.zeros_crc(32) == 0x8A9136AA  # RFC 3720 B.4, 32 bytes of zeroes


def test_crc_template():
    # A fixed-length 50-byte record whose 13 bytes at known positions change
    # from record to record (in the writer: step, wall time, value).
    rng = random.Random(50)
    n = 50
    variable = sorted(rng.sample(range(n), 13))
    template = bytearray(random_bytes(rng, n))
    for i in variable:
        template[i] = 0
    base = crc32c(bytes(template))  # K: the record with the variable bytes zeroed
    tables = _crc32c.position_tables(n)
    for _ in range(200):
        record = bytearray(template)
        for i in variable:
            record[i] = rng.getrandbits(8)
        crc = base
        for i in variable:
            crc ^= tables[i][record[i]]
        assert crc == crc32c_reference(bytes(record))


# --- Fold constants --------------------------------------------------------------

P_NORMAL = 0x11EDC6F41  # x^32 + x^28 + x^27 + ... + 1, normal bit order (RFC 3720 12.1)


def x_pow_mod_p(e):
    """x^e mod P in normal bit order (bit i is x^i), independently of the module."""

    def mulmod(a, b):
        product = 0
        while b:
            if b & 1:
                product ^= a
            b >>= 1
            a <<= 1
            if a >> 32:
                a ^= P_NORMAL
        return product

    result, square = 1, 2  # x^0, x^1
    while e:
        if e & 1:
            result = mulmod(result, square)
        square = mulmod(square, square)
        e >>= 1
    return result


def reflect32(value):
    return int("{:032b}".format(value)[::-1], 2)


def test_fold_constants_are_powers_of_x():
    pairs = list(_crc32c._FOLD_TABLE) + [(_crc32c._BLOCK, _crc32c._BLOCK_CONSTANT)]
    for k, c in pairs:
        assert c == reflect32(x_pow_mod_p(8 * k)), k
        assert bin(c).count("1") % 2 == 1  # P = (x + 1) Q, so c(1) == 1


def test_fold_table_shape():
    table = _crc32c._FOLD_TABLE
    assert table[0][0] == _crc32c._FOLDED == 32
    for j, (k, _) in enumerate(table, _crc32c._FOLD_FIRST_OCTAVE):
        assert 2 ** (j - 1) + 4 < k <= 2**j, j  # one k per octave
    for (k_low, _), (k_high, _) in zip(table, table[1:]):
        assert k_high <= 2 * k_low - 4  # the chosen k is always < n
    # Halving covers everything below Horner's threshold, and Horner's acc
    # (one block plus 4 bytes per block) for every input up to _LONGEST.
    longest_halved = 2 * table[-1][0] - 4
    block = _crc32c._BLOCK
    assert 2 * block - 1 <= longest_halved
    assert block + 3 + 4 * (_crc32c._LONGEST // block) <= longest_halved


def test_fold_table_is_reproducible():
    assert _crc32c._search_fold_table() == _crc32c._FOLD_TABLE


# --- Import hygiene ----------------------------------------------------------------


def test_imports_only_cheap_stdlib_modules():
    with open(_crc32c.__file__, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    imported.discard("__future__")  # a compiler directive, not a module loaded at run time
    assert imported <= {"functools", "operator", "struct"}
