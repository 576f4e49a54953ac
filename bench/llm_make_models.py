#!/usr/bin/python3
"""Writes the GGUF models of bench/llm_bench.sh into OUT_DIR:

  stories260K-f32.gguf      Karpathy's stories260K (../shared/data/tinyllm-stories260K) as GGUF
  qwen2.5-0.5b-q8_0.gguf    random weights of Qwen2.5-0.5B's shape (24 layers, dim 896, 14/2
                            heads, ffn 4864, vocab 151936, tied embeddings), every matrix Q8_0
  qwen2.5-0.5b-q4_k.gguf    the same with ffn_down in Q4_K and the other matrices (rows of 896, no
                            multiple of Q4_K's 256) in Q4_0, as llama.cpp's Q4_K quantization also
                            falls back to a 32-element type for them
  spec-target-q8_0.gguf     speculative decoding: the Q8_0 shape whose layers 2-23 write only
                            small residual updates (attn_output / ffn_down std / 200), so that
  spec-draft-q8_0.gguf      its first 2 layers alone (the draft: same tensors, same vocabulary)
                            usually predict the same next token, as a real small draft of the
                            same family does; random weights give no such draft otherwise

usage: /usr/bin/python3 bench/llm_make_models.py OUT_DIR [SHARED_DATA_DIR]
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'src', 'model', 'llm', 'testdata'))
import gguf_writer as gw  # noqa: E402
import make_fixtures as mf  # noqa: E402

QWEN05 = dict(dim=896, layers=24, heads=14, kv_heads=2, ffn=4864, vocab=151936)


def qwen_vocab(n):
    """A byte-level BPE vocabulary of n tokens: the bytes, merges learned on a small text, then
    filler tokens; Qwen2's specials at the end."""
    md, tokens, merges = mf.bpe_vocab('qwen2')
    types = md['tokenizer.ggml.token_type']
    specials = [t for t, ty in zip(tokens, types) if ty == 3]
    body = [t for t, ty in zip(tokens, types) if ty != 3]
    fill = n - len(body) - len(specials)
    tokens = body + ['<|fill_%d|>' % i for i in range(fill)] + specials
    types = [1] * (len(body) + fill) + [3] * len(specials)
    md.update({'tokenizer.ggml.tokens': tokens, 'tokenizer.ggml.token_type': types,
               'tokenizer.ggml.eos_token_id': tokens.index('<|endoftext|>'),
               'tokenizer.ggml.bos_token_id': tokens.index('<|endoftext|>'),
               'tokenizer.ggml.add_bos_token': False})
    return md


def write_qwen05(path, types, layers=QWEN05['layers'], upper_scale=1.0):
    """Random weights of the shape; only the first `layers` blocks are written (the same values
    as in the full model: one generator, drawn in order); blocks from 2 on get their residual
    outputs scaled by `upper_scale`."""
    c = dict(QWEN05, layers=layers)
    hd = c['dim'] // c['heads']
    rng = np.random.default_rng(5)
    md = {'general.architecture': 'qwen2', 'general.alignment': 32,
          'qwen2.context_length': 32768, 'qwen2.embedding_length': c['dim'],
          'qwen2.block_count': c['layers'], 'qwen2.feed_forward_length': c['ffn'],
          'qwen2.attention.head_count': c['heads'], 'qwen2.attention.head_count_kv': c['kv_heads'],
          'qwen2.attention.layer_norm_rms_epsilon': 1e-6, 'qwen2.rope.freq_base': 1000000.0}
    md.update(qwen_vocab(c['vocab']))
    tensors = []

    def add(name, shape, gtype, std=0.02, base=0.0):
        a = (rng.standard_normal(shape, dtype=np.float32) * std + base).astype(np.float32)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        raw, _ = gw.QUANTIZERS[gtype](a2)
        tensors.append((name, gtype, list(reversed(a.shape)), raw))

    add('token_embd.weight', (c['vocab'], c['dim']), types('token_embd'))
    add('output_norm.weight', (c['dim'],), gw.F32, 0.1, 1.0)
    qd, kvd = c['heads'] * hd, c['kv_heads'] * hd
    for i in range(c['layers']):
        b = 'blk.%d.' % i
        add(b + 'attn_norm.weight', (c['dim'],), gw.F32, 0.1, 1.0)
        add(b + 'ffn_norm.weight', (c['dim'],), gw.F32, 0.1, 1.0)
        add(b + 'attn_q.weight', (qd, c['dim']), types('attn_q'))
        add(b + 'attn_k.weight', (kvd, c['dim']), types('attn_k'))
        add(b + 'attn_v.weight', (kvd, c['dim']), types('attn_v'))
        add(b + 'attn_q.bias', (qd,), gw.F32)
        add(b + 'attn_k.bias', (kvd,), gw.F32)
        add(b + 'attn_v.bias', (kvd,), gw.F32)
        s = 1.0 if i < 2 else upper_scale
        add(b + 'attn_output.weight', (c['dim'], qd), types('attn_output'), 0.02 * s)
        add(b + 'ffn_gate.weight', (c['ffn'], c['dim']), types('ffn_gate'))
        add(b + 'ffn_up.weight', (c['ffn'], c['dim']), types('ffn_up'))
        add(b + 'ffn_down.weight', (c['dim'], c['ffn']), types('ffn_down'), 0.02 * s)
    gw.write_gguf(path, md, tensors)


def main():
    out = sys.argv[1]
    shared = os.environ.get('RAGDB_SHARED_DATA') or (
        sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, '..', '..', 'shared', 'data'))
    os.makedirs(out, exist_ok=True)
    mf.convert_stories(shared, out)
    os.remove(os.path.join(out, 'stories260K-q8_0.gguf'))
    q8 = os.path.join(out, 'qwen2.5-0.5b-q8_0.gguf')
    if not os.path.exists(q8):
        write_qwen05(q8, lambda name: gw.Q8_0)
    q4 = os.path.join(out, 'qwen2.5-0.5b-q4_k.gguf')
    if not os.path.exists(q4):
        write_qwen05(q4, lambda name: gw.Q4_K if name == 'ffn_down' else gw.Q4_0)
    target = os.path.join(out, 'spec-target-q8_0.gguf')
    if not os.path.exists(target):
        write_qwen05(target, lambda name: gw.Q8_0, upper_scale=0.005)
    draft = os.path.join(out, 'spec-draft-q8_0.gguf')
    if not os.path.exists(draft):
        write_qwen05(draft, lambda name: gw.Q8_0, layers=2)


if __name__ == '__main__':
    main()
