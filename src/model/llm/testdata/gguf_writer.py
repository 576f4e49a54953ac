"""A GGUF (version 3) writer and the ggml block quantizers the tests need, in plain numpy.

Written from the format's description (docs/llm.md, src/model/llm/tensor_types.h), so that the
test fixtures do not come from the code under test.
"""
import struct

import numpy as np

F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16 = 0, 1, 2, 8, 12, 13, 14, 30

# GGUF metadata value types.
_U32, _I32, _F32, _BOOL, _STR, _ARR = 4, 5, 6, 7, 8, 9


def _s(text):
    b = text.encode('utf-8')
    return struct.pack('<Q', len(b)) + b


def _value(v):
    """(type id, bytes) of a metadata value; ints are u32, floats f32, lists arrays."""
    if isinstance(v, bool):
        return _BOOL, struct.pack('<B', int(v))
    if isinstance(v, int):
        return (_U32, struct.pack('<I', v)) if v >= 0 else (_I32, struct.pack('<i', v))
    if isinstance(v, float):
        return _F32, struct.pack('<f', v)
    if isinstance(v, str):
        return _STR, _s(v)
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v) and v:
            return _ARR, struct.pack('<IQ', _STR, len(v)) + b''.join(_s(x) for x in v)
        if all(isinstance(x, int) for x in v):
            return _ARR, struct.pack('<IQ', _I32, len(v)) + struct.pack('<%di' % len(v), *v)
        return _ARR, struct.pack('<IQ', _F32, len(v)) + struct.pack('<%df' % len(v), *v)
    raise TypeError(v)


def write_gguf(path, metadata, tensors, alignment=32):
    """metadata: dict; tensors: list of (name, ggml type, dims in ggml order, raw bytes)."""
    out = bytearray(b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(metadata)))
    for k, v in metadata.items():
        t, b = _value(v)
        out += _s(k) + struct.pack('<I', t) + b
    offset = 0
    offsets = []
    for name, gtype, dims, raw in tensors:
        offsets.append(offset)
        out += _s(name) + struct.pack('<I', len(dims)) + struct.pack('<%dQ' % len(dims), *dims)
        out += struct.pack('<IQ', gtype, offset)
        offset += (len(raw) + alignment - 1) // alignment * alignment
    out += b'\0' * ((-len(out)) % alignment)
    for (name, gtype, dims, raw), off in zip(tensors, offsets):
        out += raw + b'\0' * ((-len(raw)) % alignment)
    with open(path, 'wb') as f:
        f.write(out)


def f16(x):
    return np.asarray(x, dtype=np.float32).astype(np.float16)


# Each quantizer takes a 2-D float32 array (rows x cols) and returns (raw bytes, dequantized
# float32 array of the same shape): the reference runs on the dequantized weights.

def quant_f32(w):
    w = np.ascontiguousarray(w, dtype=np.float32)
    return w.tobytes(), w.copy()


def quant_f16(w):
    h = f16(w)
    return h.tobytes(), h.astype(np.float32)


def quant_bf16(w):
    bits = np.ascontiguousarray(w, dtype=np.float32).view(np.uint32)
    # round to nearest even on the dropped 16 bits
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    back = (rounded.astype(np.uint32) << 16).view(np.float32)
    return rounded.tobytes(), back.reshape(w.shape)


def quant_q8_0(w):
    x = w.reshape(-1, 32).astype(np.float32)
    amax = np.abs(x).max(axis=1)
    d = f16(amax / 127.0)
    df = d.astype(np.float32)
    inv = np.where(df > 0, 1.0 / np.where(df > 0, df, 1), 0)
    q = np.clip(np.rint(x * inv[:, None]), -127, 127).astype(np.int8)
    blocks = np.zeros(len(q), dtype=[('d', '<f2'), ('q', 'i1', 32)])
    blocks['d'], blocks['q'] = d, q
    return blocks.tobytes(), (df[:, None] * q).reshape(w.shape).astype(np.float32)


def quant_q4_0(w):
    x = w.reshape(-1, 32).astype(np.float32)
    # the largest magnitude, with its sign, maps to -8 (as ggml does)
    idx = np.abs(x).argmax(axis=1)
    mx = x[np.arange(len(x)), idx]
    d = f16(mx / -8.0)
    df = d.astype(np.float32)
    inv = np.where(df != 0, 1.0 / np.where(df != 0, df, 1), 0)
    q = np.clip(np.rint(x * inv[:, None] + 8), 0, 15).astype(np.uint8)
    blocks = np.zeros(len(q), dtype=[('d', '<f2'), ('qs', 'u1', 16)])
    blocks['d'], blocks['qs'] = d, q[:, :16] | (q[:, 16:] << 4)
    return blocks.tobytes(), (df[:, None] * (q.astype(np.float32) - 8)).reshape(w.shape)


def _pack_scales(sc, m):
    """Eight 6-bit scales and mins -> the 12 bytes of a Q4_K / Q5_K block."""
    out = np.zeros(12, dtype=np.uint8)
    for j in range(8):
        if j < 4:
            out[j] |= sc[j] & 63
            out[j + 4] |= m[j] & 63
        else:
            out[j + 4] = (sc[j] & 0xF) | ((m[j] & 0xF) << 4)
            out[j - 4] |= (sc[j] >> 4) << 6
            out[j] |= (m[j] >> 4) << 6
    return out


def _kquant_block(x, levels):
    """One 256-element block as d, dmin, scales, mins, codes with x ~ d*sc*q - dmin*m."""
    sub = x.reshape(8, 32)
    lo = np.minimum(sub.min(axis=1), 0)
    hi = sub.max(axis=1)
    scale = (hi - lo) / levels
    mins = -lo
    d = f16(scale.max() / 63.0)
    dmin = f16(mins.max() / 63.0)
    df, dminf = float(d), float(dmin)
    sc = np.clip(np.rint(scale / df), 0, 63).astype(np.uint8) if df > 0 else np.zeros(8, np.uint8)
    m = np.clip(np.rint(mins / dminf), 0, 63).astype(np.uint8) if dminf > 0 else np.zeros(8, np.uint8)
    q = np.zeros((8, 32), dtype=np.uint8)
    deq = np.zeros((8, 32), dtype=np.float32)
    for j in range(8):
        step = df * sc[j]
        off = dminf * m[j]
        if step > 0:
            q[j] = np.clip(np.rint((sub[j] + off) / step), 0, levels)
        deq[j] = np.float32(df * sc[j]) * q[j] - np.float32(dminf * m[j])
    return d, dmin, sc, m, q.reshape(256), deq.reshape(256)


def quant_q4_k(w):
    """Vectorized over blocks (benchmark models have millions of them)."""
    x = w.reshape(-1, 8, 32).astype(np.float32)
    lo = np.minimum(x.min(axis=2), 0)
    scale = (x.max(axis=2) - lo) / 15
    mins = -lo
    d = f16(scale.max(axis=1) / 63.0)
    dmin = f16(mins.max(axis=1) / 63.0)
    df, dminf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.where(df > 0, np.clip(np.rint(scale / np.where(df > 0, df, 1)), 0, 63), 0).astype(np.uint8)
    m = np.where(dminf > 0, np.clip(np.rint(mins / np.where(dminf > 0, dminf, 1)), 0, 63), 0).astype(np.uint8)
    step = (df * sc)[:, :, None]
    off = (dminf * m)[:, :, None]
    q = np.where(step > 0, np.clip(np.rint((x + off) / np.where(step > 0, step, 1)), 0, 15), 0).astype(np.uint8)
    deq = (df * sc).astype(np.float32)[:, :, None] * q - (dminf * m).astype(np.float32)[:, :, None]
    packed = np.zeros((len(x), 12), dtype=np.uint8)
    packed[:, 0:4] = (sc[:, 0:4] & 63) | ((sc[:, 4:8] >> 4) << 6)
    packed[:, 4:8] = (m[:, 0:4] & 63) | ((m[:, 4:8] >> 4) << 6)
    packed[:, 8:12] = (sc[:, 4:8] & 0xF) | ((m[:, 4:8] & 0xF) << 4)
    qf = q.reshape(-1, 4, 2, 32)
    qs = (qf[:, :, 0, :] | (qf[:, :, 1, :] << 4)).reshape(-1, 128)
    blocks = np.zeros(len(x), dtype=[('d', '<f2'), ('dmin', '<f2'), ('sc', 'u1', 12), ('qs', 'u1', 128)])
    blocks['d'], blocks['dmin'], blocks['sc'], blocks['qs'] = d, dmin, packed, qs
    return blocks.tobytes(), deq.reshape(w.shape)


def quant_q5_k(w):
    x = w.reshape(-1, 256).astype(np.float32)
    raw, deq = bytearray(), np.zeros_like(x)
    for i, blk in enumerate(x):
        d, dmin, sc, m, q, deq[i] = _kquant_block(blk, 31)
        qs = np.zeros(128, dtype=np.uint8)
        qh = np.zeros(32, dtype=np.uint8)
        for c in range(4):
            a, b = q[64 * c:64 * c + 32], q[64 * c + 32:64 * c + 64]
            qs[32 * c:32 * c + 32] = (a & 0xF) | ((b & 0xF) << 4)
            qh |= ((a >> 4) & 1) << (2 * c)
            qh |= ((b >> 4) & 1) << (2 * c + 1)
        raw += (d.tobytes() + dmin.tobytes() + _pack_scales(sc, m).tobytes() + qh.tobytes() +
                qs.tobytes())
    return bytes(raw), deq.reshape(w.shape)


def quant_q6_k(w):
    """Vectorized over blocks: 16 sub-blocks of 16 with int8 scales, 6-bit codes."""
    x = w.reshape(-1, 16, 16).astype(np.float32)
    nb = len(x)
    idx = np.abs(x).argmax(axis=2)
    mx = np.take_along_axis(x, idx[:, :, None], axis=2)[:, :, 0]
    scale = mx / -32.0
    imax = np.abs(scale).argmax(axis=1)
    big = scale[np.arange(nb), imax]
    d = f16(np.where(big != 0, big / -128.0, 0))
    df = d.astype(np.float32)[:, None]
    sc = np.where(df != 0, np.clip(np.rint(scale / np.where(df != 0, df, 1)), -128, 127), 0).astype(np.int8)
    step = (df * sc)[:, :, None]
    L = np.where(step != 0, np.clip(np.rint(x / np.where(step != 0, step, 1)), -32, 31) + 32, 32)
    L = L.astype(np.uint8)
    deq = (df * sc).astype(np.float32)[:, :, None] * (L.astype(np.float32) - 32)
    Lh = L.reshape(nb, 2, 4, 32)
    q1, q2, q3, q4 = Lh[:, :, 0], Lh[:, :, 1], Lh[:, :, 2], Lh[:, :, 3]
    ql = np.concatenate([(q1 & 0xF) | ((q3 & 0xF) << 4), (q2 & 0xF) | ((q4 & 0xF) << 4)], axis=2)
    qh = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
    blocks = np.zeros(nb, dtype=[('ql', 'u1', 128), ('qh', 'u1', 64), ('sc', 'i1', 16), ('d', '<f2')])
    blocks['ql'] = ql.reshape(nb, 128)
    blocks['qh'] = qh.reshape(nb, 64)
    blocks['sc'], blocks['d'] = sc, d
    return blocks.tobytes(), deq.reshape(w.shape)


QUANTIZERS = {F32: quant_f32, F16: quant_f16, BF16: quant_bf16, Q8_0: quant_q8_0,
              Q4_0: quant_q4_0, Q4_K: quant_q4_k, Q5_K: quant_q5_k, Q6_K: quant_q6_k}
