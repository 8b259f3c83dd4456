# SPDX-License-Identifier: MIT
"""CRC-32C (Castagnoli), the checksum of TFRecord framing, in pure Python.

Strategy: one definition, three ways to compute it.

- ``crc32c_reference`` is the classic byte-at-a-time table loop (one lookup per
  byte).  It is the readable definition that the tests compare everything against.
- ``crc32c`` is the fast path.  Inputs of up to 64 bytes use one table per byte
  *position*, combined by ``reduce(xor, map(getitem, tables, data))`` so that no
  Python bytecode runs per byte.  Longer inputs are read as big integers and
  *folded*: a part of the message is multiplied by a constant and XORed onto
  the rest, in C big-int loops (Horner's rule over 11 KB blocks, then halving),
  until 32 bytes or fewer are left for the table path.  The maths is written
  out next to the code below.
- ``position_tables`` / ``zeros_crc`` expose the per-position tables for the
  writer's **CRC template** trick (below).

Parameters (RFC 3720 §12.1 and §B.4, the iSCSI CRC; "CRC-32C" in the Rocksoft
catalogue): polynomial 0x1EDC6F41, bit-reflected 0x82F63B78; initial value
0xFFFFFFFF; final XOR 0xFFFFFFFF; bits are taken least significant first.
Check value: ``crc32c(b"123456789") == 0xE3069283``.

TFRecord does not store the CRC itself but a *masked* one (TensorFlow's
``crc32c::Mask`` in tensorflow/core/lib/hash/crc32c.h; TensorBoard's
``masked_crc32c`` in tensorboard/compat/tensorflow_stub/pywrap_tensorflow.py,
used by tensorboard/summary/writer/record_writer.py)::

    masked = ((crc >> 15) | (crc << 17)) + 0xA282EAD8      (mod 2**32)

CRC template.  The CRC is affine in the message bytes: for an ``n``-byte message
``M`` (``1 <= n <= 64``)::

    crc32c(M) == zeros_crc(n) ^ T[0][M[0]] ^ T[1][M[1]] ^ ... ^ T[n-1][M[n-1]]

with ``T = position_tables(n)``.  So if a record always has the same length and
only the bytes at known positions ``P`` change (a scalar event: step, wall time,
value), cache ``K = crc32c(record with the bytes at P set to zero)`` once; then
for each record ``crc = K ^ XOR(T[i][record[i]] for i in P)``, a dozen lookups
instead of a full CRC.

Performance (CPython 3.11 on the project's shared 2-core host, medians; see
docs/benchmark-method.md section 4.1 for the method): 32 B in about 3 us, 130 B in
7 us, 1 KiB in 14 us, 10 KiB in 56 us, 1 MiB in 2.4 ms (about 430 MB/s); the
reference loop needs about 0.14 s per MiB.  It is still O(n) in pure Python:
about 2.3 ns per byte for long inputs, nearly all of it in big-int shifts.
Import builds only the 256-entry ``TABLE`` (about 20 us); the 64 position
tables (about 1.5 ms) are built on the first call.
"""

from __future__ import annotations

from functools import lru_cache, reduce
from operator import getitem, xor

__all__ = [
    "crc32c",
    "crc32c_reference",
    "masked_crc32c",
    "mask",
    "position_tables",
    "zeros_crc",
    "TABLE",
]

# Notation used in the comments below.  All polynomials are over GF(2), where
# addition is XOR.
#
# * P(x) = x^32 + x^28 + x^27 + ... + 1, the Castagnoli polynomial: 0x1EDC6F41 in
#   normal bit order (x^32 implied), 0x82F63B78 reflected.
# * A message of n bytes is the polynomial M(x) of degree < 8n whose top
#   coefficient (x^(8n-1)) is bit 0 of the first byte: CRC-32C is "reflected",
#   every byte is read least significant bit first.  So bit j of byte i is the
#   coefficient of x^(8n-1-(8i+j)).
# * A 32-bit CRC register r stands for the polynomial whose coefficient of
#   x^(31-b) is bit b of r (reflected too: x^31 is bit 0, x^0 is bit 31).
# * R(M) = M(x) * x^32 mod P(x), the "raw" CRC: start register 0, no final XOR.
#
# Feeding the bytes of M to a register that starts at s leaves
#
#     s * x^(8n) + M * x^32   (mod P),                                      (1)
#
# and crc32c(M, crc) is that with s = crc ^ 0xFFFFFFFF, XORed with 0xFFFFFFFF.
# Because s * x^(8n) = (s * x^(8n-32)) * x^32, a start register s is the same as
# XORing s.to_bytes(4, "little") into the first four bytes of the message (when
# n >= 4), after which only the raw CRC is left.

POLY = 0x82F63B78  # P(x) reflected
_MASK_DELTA = 0xA282EAD8  # TensorFlow's kMaskDelta


def _make_table(poly):
    # The classic definition: TABLE[b] is the register after shifting the byte b
    # through eight steps of "shift right; if a 1 fell out, XOR poly".  That is
    # linear in b (TABLE[a ^ b] == TABLE[a] ^ TABLE[b]), so only the eight
    # single-bit entries are computed that way and the rest are XORs of them:
    # about 20 us at import instead of 0.3 ms for 256 separate bit loops.
    table = [0]
    for i in range(8):
        crc = 1 << i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table += [entry ^ crc for entry in table]  # entries for bytes with bit i set
    return tuple(table)


TABLE = _make_table(POLY)  # TABLE[1] == 0xF26B8303


def crc32c_reference(data: bytes, crc: int = 0) -> int:
    """Return the CRC-32C of ``data``, one table lookup per byte.

    This is the readable definition (the Sarwate table loop, as in TensorBoard's
    pure-Python stub, minus its per-byte masking).  ``crc`` is a previous result
    to continue from: ``crc32c_reference(b, crc32c_reference(a)) ==
    crc32c_reference(a + b)``.
    """
    table = TABLE
    crc ^= 0xFFFFFFFF
    for byte in _as_bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc: int) -> int:
    """Return TFRecord's masked form of a CRC-32C value (a uint32)."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """Return ``mask(crc32c(data))``, the uint32 that TFRecord stores."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


# --- Short inputs: one table per byte position --------------------------------
#
# R is linear in the message bits, so R(M) is the XOR, over the bytes, of the raw
# CRC of "this byte at its place, zeros elsewhere".  That depends only on the
# byte value and on its distance d to the end of the message:
#
#     D_d[b] = R(b followed by d zero bytes) = R(b) * x^(8d) mod P,
#
# D_0 is TABLE, and D_(d+1) is D_d pushed through one more zero byte.  Adding
# the start register's contribution from (1) gives, for an n-byte message,
#
#     crc32c(M) = zeros_crc(n) ^ D_(n-1)[M[0]] ^ D_(n-2)[M[1]] ^ ... ^ D_0[M[n-1]].
#
# 64 tables of 256 ints take about 1.5 ms to build, so they are built on first
# use, not at import.

_SHORT = 64  # longest input for the position-table path
_DISTANCE = None  # (D_0, D_1, ..., D_63) once built
_POSITION = [None] * (_SHORT + 1)  # n -> (position tables, zeros_crc(n))


def _distance_tables():
    global _DISTANCE
    table = TABLE
    tables = [table]
    for _ in range(_SHORT - 1):
        tables.append(tuple([table[r & 0xFF] ^ (r >> 8) for r in tables[-1]]))
    # Rebinding at the end keeps this safe if two threads race to build it.
    _DISTANCE = tuple(tables)
    return _DISTANCE


def _advance(register, n):
    """Return ``register * x^(8n) mod P``: the register after n zero bytes (n <= 64)."""
    if n >= 4:
        # XOR the register into the first four bytes of n zero bytes, see (1).
        d = _DISTANCE or _distance_tables()
        return (
            d[n - 1][register & 0xFF]
            ^ d[n - 2][(register >> 8) & 0xFF]
            ^ d[n - 3][(register >> 16) & 0xFF]
            ^ d[n - 4][register >> 24]
        )
    for _ in range(n):
        register = TABLE[register & 0xFF] ^ (register >> 8)
    return register


def _position_entry(n):
    d = _DISTANCE or _distance_tables()
    entry = (d[n - 1 :: -1] if n else (), _advance(0xFFFFFFFF, n) ^ 0xFFFFFFFF)
    _POSITION[n] = entry
    return entry


def position_tables(n: int) -> "list[tuple[int, ...]]":
    """Return the n per-position tables for an n-byte message (1 <= n <= 64).

    ``position_tables(n)[i][b]`` is the contribution of byte value ``b`` at
    position ``i``, so that for every n-byte ``M``::

        crc32c(M) == zeros_crc(n) ^ XOR(position_tables(n)[i][M[i]] for i in range(n))

    The result is cached; the tables are shared between lengths (table ``i`` of
    length ``n`` is the table for distance ``n - 1 - i`` from the end).
    """
    if not 1 <= n <= _SHORT:
        raise ValueError("position_tables(n) needs 1 <= n <= %d, got %r" % (_SHORT, n))
    return (_POSITION[n] or _position_entry(n))[0]


def zeros_crc(n: int) -> int:
    """Return ``crc32c(bytes(n))``, cached."""
    if 0 <= n <= _SHORT:
        return (_POSITION[n] or _position_entry(n))[1]
    return _zeros_crc_long(n)


@lru_cache(maxsize=256)  # a few record lengths; bounded, so not a leak
def _zeros_crc_long(n):
    return crc32c(bytes(n))


# --- Long inputs: big-int folding ---------------------------------------------
#
# R(M) = M * x^32 mod P depends only on M mod P, so any M' with M' == M (mod P)
# has the same raw CRC, however long it is.  Split an n-byte message into its
# first h bytes H and its last k bytes L (n = h + k):
#
#     M = H * x^(8k) + L  ==  H * c + L   (mod P),   c = x^(8k) mod P.          (2)
#
# H * c has degree < 8h + 31, so the right-hand side is a message of
# max(k, h + 4) bytes: shorter than n as soon as 4 < k < n.
#
# int.from_bytes(M, "little") puts bit j of byte i at bit 8i+j, and that bit is
# the coefficient of x^(8n-1-(8i+j)): the int is M(x) with its coefficients in
# reverse order, which is exactly the register's reflected order, so no bit
# reversal is ever needed.  In that form, for a message of w bytes, the
# coefficient of x^e sits at bit 8w-1-e.  With c stored reflected (bit b means
# x^(31-b)), the carry-less product H * c is the XOR of H << b over the set bits
# b of c: an int of 8h + 31 bits, the x^0 end at the top.
#
# Each fold is then a few shifts and XORs over whole ints, all in C.  A shift
# costs about 0.3 ns per byte and an XOR about 0.1, so the work is mostly
# popcount(c) shift+XOR passes, and the constants below are chosen to have few
# set bits.  (That count is always odd: P(1) == 0, so x + 1 divides P, and
# c == x^(8k) (mod x + 1) gives c(1) == 1.)
#
# (2) is also the identity behind carry-less-multiply CRC code in C (Intel's
# white paper "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
# Instruction", 2009).  Here it is applied in two ways:
#
# 1. Horner, for inputs of 2 * _BLOCK bytes or more.  Read the message as blocks
#    B_0, B_1, ... of _BLOCK bytes and keep acc == (the message B_0 B_1 ... B_i
#    read so far) (mod P):
#
#        acc' = acc * x^(8 * _BLOCK) + B_(i+1)  ==  acc * c + B_(i+1)
#
#    With acc a bytes long, acc * c is (acc << (b + 1)) XORed over the set bits b
#    of c, an (a + 4)-byte message, and B_(i+1) lines up with its x^0 end after
#    a + 4 - _BLOCK zero bytes in front.  Each step reads one block and grows
#    acc by 4 bytes; the ints stay small enough for the CPU caches.
#
# 2. Halving, for what is left (under 2 * _BLOCK bytes, or Horner's acc).  Take k
#    from _FOLD_TABLE with k >= h + 4, so that H * c + L is a k-byte message:
#    H is the low 8h bits, L is the int shifted right by 8h, and the product is
#    shifted left by 8k - (8h + 31) = 8(k - h) - 31 to line up with L's x^0 end.
#    _FOLD_TABLE has one (k, c) per octave j = 5, 6, ...: k_j lies in
#    (2^(j-1) + 4, 2^j] and k_j <= 2 * k_(j-1) - 4.  A step on n bytes takes the
#    smallest k_j >= (n + 4) / 2, found from the bit length of that bound; the
#    second condition makes that k_j < n, so each step roughly halves n.  Within
#    those limits each k_j minimises popcount(c) (see _search_fold_table at the
#    end of this file).  Halving stops at k_5 = 32 bytes, where the position
#    tables take over.

# Block sizes from 1 KB to 256 KB were measured: around 11 KB is fastest, big
# enough to spread the Python overhead of a step and small enough for the ints to
# stay in cache.  11188 is one of the few sizes nearby whose constant has only
# 5 set bits.
_BLOCK, _BLOCK_CONSTANT = 11188, 0x0020C024  # x^(8 * 11188) mod P: 5 set bits

_FOLD_TABLE = (
    # (k, x^(8k) mod P reflected)     # j: popcount
    (32, 0x510AC59A),  # 5: 13
    (58, 0x8780E02C),  # 6: 11
    (111, 0x409600AA),  # 7: 9
    (213, 0x0042316C),  # 8: 9
    (407, 0x86264A44),  # 9: 11
    (806, 0x4050B9A8),  # 10: 11
    (1581, 0x54320282),  # 11: 9
    (3155, 0x80A562A4),  # 12: 11
    (6233, 0x20184184),  # 13: 7
    (12453, 0xC0203C44),  # 14: 9
    (24616, 0x01142448),  # 15: 7
    (49154, 0x2029A004),  # 16: 7
    (98262, 0x71606008),  # 17: 9
    (192715, 0x1C040010),  # 18: 5
    (385017, 0xB040A008),  # 19: 7
    (763014, 0x001010A4),  # 20: 5
    (1522054, 0x21080808),  # 21: 5
    (3038434, 0x00000871),  # 22: 5
    (6076864, 0x00802A02),  # 23: 5
    (12108904, 0x10822008),  # 24: 5
)
_FOLD_FIRST_OCTAVE = 5
_FOLDED = _FOLD_TABLE[0][0]  # halve until at most this many bytes are left
# Horner's acc grows by 4 bytes per block.  Past this input length (32 GiB) it
# could outgrow _FOLD_TABLE, so such inputs are cut in halves first.
_LONGEST = 1 << 35

_FOLD_STEPS = None  # (Horner step, halving steps by octave), built on first use


def _set_bits(c):
    return [b for b in range(32) if c >> b & 1]


def _fold_steps():
    global _FOLD_STEPS
    block_bits = [b + 1 for b in _set_bits(_BLOCK_CONSTANT)]  # b + 1, see 1. above
    halving = [None] * _FOLD_FIRST_OCTAVE
    for k, c in _FOLD_TABLE:
        bits = _set_bits(c)
        halving.append((k, bits[0], tuple(bits[1:])))
    _FOLD_STEPS = ((block_bits[0], tuple(block_bits[1:])), tuple(halving))
    return _FOLD_STEPS


def _crc32c_long(data, crc):
    n = len(data)
    if n > _LONGEST:
        view = memoryview(data)
        half = n // 2
        return crc32c(view[half:], crc32c(view[:half], crc))
    (first, rest), halving = _FOLD_STEPS or _fold_steps()
    # The start register goes into the first four bytes, see (1); from here on
    # only the raw CRC of `message` is wanted.
    register = crc ^ 0xFFFFFFFF
    if n < 2 * _BLOCK:
        message = int.from_bytes(data, "little") ^ register
    else:
        # 1. Horner.  The first block takes the odd bytes (at least 4, for the
        # register), padded in front with zero bytes, which do not change M.
        view = memoryview(data)
        size = _BLOCK
        first_block = (n - 4) % size + 4
        pad = max(size - first_block, 0)
        message = int.from_bytes(bytes(pad) + view[:first_block], "little")
        message ^= register << (pad << 3)
        length = n
        n = pad + first_block
        for start in range(first_block, length, size):
            product = message << first
            for b in rest:
                product ^= message << b
            block = bytes(n + 4 - size) + view[start : start + size]
            message = product ^ int.from_bytes(block, "little")
            n += 4
    # 2. Halving.
    while n > _FOLDED:
        low = (n + 5) >> 1  # k >= ceil((n + 4) / 2)
        j = (low - 1).bit_length()  # 2^(j-1) < low <= 2^j
        k, first, rest = halving[j]
        if k < low:
            k, first, rest = halving[j + 1]
        head_bits = (n - k) << 3
        head = message & ((1 << head_bits) - 1)
        product = head << first
        for b in rest:
            product ^= head << b
        message = (message >> head_bits) ^ (product << ((k << 3) - head_bits - 31))
        n = k
    # Raw CRC of the last n bytes: start value 0, hence the init 0 ^ 0xFFFFFFFF.
    tables = (_POSITION[n] or _position_entry(n))[0]
    return reduce(xor, map(getitem, tables, message.to_bytes(n, "little")), 0xFFFFFFFF)


def _as_bytes(data):
    # bytes and bytearray iterate as byte values.  Any other buffer (memoryview,
    # array.array, ...) is viewed as unsigned bytes, so that len() counts bytes
    # and iteration yields 0..255 whatever its item format.
    if isinstance(data, (bytes, bytearray)):
        return data
    view = memoryview(data)
    return view.cast("B") if view.c_contiguous else view.tobytes()


def crc32c(data: bytes, crc: int = 0) -> int:
    """Return the CRC-32C of the bytes-like ``data`` as an int in [0, 2**32).

    ``crc`` is a previous result to continue from:
    ``crc32c(b, crc32c(a)) == crc32c(a + b)``.
    """
    if data.__class__ is not bytes:
        data = _as_bytes(data)
    n = len(data)
    if n > _SHORT:
        return _crc32c_long(data, crc)
    tables, init = _POSITION[n] or _position_entry(n)
    if crc:
        init = _advance(crc ^ 0xFFFFFFFF, n) ^ 0xFFFFFFFF
    # HACK: hand-optimised.  map() pairs table i with byte i and reduce() XORs
    # the results, all in C: no bytecode runs per byte.
    return reduce(xor, map(getitem, tables, data), init)


# --- How _FOLD_TABLE was made (not run at import) -------------------------------


def _mulmod(a, b):
    """Return a * b mod P, both reflected 32-bit (as zlib's multmodp)."""
    product = 0
    m = 1 << 31  # x^0
    while m:
        if a & m:
            product ^= b
        m >>= 1
        b = (b >> 1) ^ POLY if b & 1 else b >> 1  # b *= x
    return product


def _xpow8(k):
    """Return x^(8k) mod P, reflected, by square-and-multiply."""
    result, square, e = 1 << 31, 1 << 30, 8 * k  # x^0, x^1
    while e:
        if e & 1:
            result = _mulmod(result, square)
        square = _mulmod(square, square)
        e >>= 1
    return result


def _search_fold_table(last_octave=24, window_divisor=64):
    """Rebuild _FOLD_TABLE (about 0.3 s).

    For octave j the candidates are the top ``max(32, 2^j // window_divisor)``
    values of k in (2^(j-1) + 4, 2 * k_(j-1) - 4] (k_5 <= 32); the pick has the
    fewest set bits in x^(8k) mod P, the largest k on ties.  Small windows keep
    the k_j well inside their octaves.
    """
    found = []
    top = 32  # k_5: the position tables finish with at most 32 bytes
    for j in range(_FOLD_FIRST_OCTAVE, last_octave + 1):
        k = max(top - max(32, 2**j // window_divisor), 2 ** (j - 1) + 5)
        c = _xpow8(k)
        best = None
        while k <= top:
            popcount = bin(c).count("1")
            if best is None or popcount <= best[0]:
                best = (popcount, k, c)
            c = TABLE[c & 0xFF] ^ (c >> 8)  # c *= x^8
            k += 1
        found.append(best[1:])
        top = 2 * best[1] - 4
    return tuple(found)
