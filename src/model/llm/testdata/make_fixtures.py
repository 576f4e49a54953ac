#!/usr/bin/python3
"""Writes the decoder runtime's test fixtures into OUT_DIR (run by CTest before llm_test):

  tiny random-weight Llama, Qwen2 and Qwen3 models as GGUF (F32, Q8_0, Q4_K, and a model mixing
  Q4_0 / Q5_K / Q6_K / F16 / BF16), a 1-layer draft model, stories260K converted to GGUF, and
  byte-level BPE vocabularies; reference.json holds what a plain PyTorch implementation of each
  architecture computes on the (dequantized) weights: the logits of a prompt and 32 greedy
  tokens, and the ids of BPE test strings under each pre-tokenizer (Python `regex` patterns).

usage: /usr/bin/python3 make_fixtures.py OUT_DIR SHARED_DATA_DIR  ($RAGDB_SHARED_DATA wins)
"""
import json
import os
import struct
import sys

import numpy as np
import regex
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer as gw  # noqa: E402

torch.set_grad_enabled(False)
# One thread: the models are tiny, and spinning worker threads crawl on a shared machine.
torch.set_num_threads(1)


# ----------------------------------------------------------------------------------------------
# Reference forward pass (Hugging Face's formulation: rotate_half RoPE on q/k as PyTorch models
# store them; the GGUF writer permutes Llama's q/k rows the way llama.cpp's converter does).

def rms_norm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def forward(cfg, W, tokens, hidden=False):
    """Logits [T, vocab] of a causal pass over `tokens` (float64); with `hidden`, the final
    normalized hidden states [T, dim] instead."""
    T = len(tokens)
    hd, nh, nkv = cfg['head_dim'], cfg['heads'], cfg['kv_heads']
    x = W['embed'][tokens]
    inv = 1.0 / (cfg['theta'] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    if 'rope_factors' in cfg:
        inv = inv / torch.tensor(cfg['rope_factors'], dtype=torch.float64)
    pos = torch.arange(T, dtype=torch.float64) * cfg.get('rope_scale', 1.0)
    ang = torch.outer(pos, inv)
    cos = torch.cat([ang.cos(), ang.cos()], -1)[:, None, :]
    sin = torch.cat([ang.sin(), ang.sin()], -1)[:, None, :]
    mask = torch.full((T, T), float('-inf'), dtype=torch.float64).triu(1)
    for L in W['layers']:
        h = rms_norm(x, L['attn_norm'], cfg['eps'])
        q = h @ L['wq'].T + L.get('bq', 0)
        k = h @ L['wk'].T + L.get('bk', 0)
        v = h @ L['wv'].T + L.get('bv', 0)
        q = q.view(T, nh, hd)
        k = k.view(T, nkv, hd)
        v = v.view(T, nkv, hd)
        if 'q_norm' in L:
            q = rms_norm(q, L['q_norm'], cfg['eps'])
            k = rms_norm(k, L['k_norm'], cfg['eps'])
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = nh // nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        att = torch.einsum('thd,shd->hts', q, k) / (hd ** 0.5) + mask
        o = torch.einsum('hts,shd->thd', att.softmax(-1), v).reshape(T, nh * hd)
        x = x + o @ L['wo'].T
        h = rms_norm(x, L['ffn_norm'], cfg['eps'])
        x = x + (torch.nn.functional.silu(h @ L['w_gate'].T) * (h @ L['w_up'].T)) @ L['w_down'].T
    h = rms_norm(x, W['norm'], cfg['eps'])
    return h if hidden else h @ W['output'].T


def greedy(cfg, W, prompt, n):
    """n greedy tokens, and at each step the gap between the two largest logits."""
    toks, margins = list(prompt), []
    for _ in range(n):
        last = forward(cfg, W, toks)[-1]
        top = torch.topk(last, 2).values
        margins.append(float(top[0] - top[1]))
        toks.append(int(last.argmax()))
    return toks[len(prompt):], margins


# ----------------------------------------------------------------------------------------------
# Vocabularies.

def spm_vocab_from_tok512(path):
    """stories260K's llama2.c tokenizer as GGUF tokenizer.ggml.* (SentencePiece, 512 pieces)."""
    data = open(path, 'rb').read()
    pos = 4
    tokens, scores, types = [], [], []
    for i in range(512):
        score, n = struct.unpack_from('<fi', data, pos)
        pos += 8
        piece = data[pos:pos + n].decode('utf-8')
        pos += n
        if i == 0:
            piece, t = '<unk>', 2
        elif i in (1, 2):
            piece, t = ('<s>', '</s>')[i - 1], 3
        elif piece.startswith('<0x') and len(piece) == 6:
            t = 6
        else:
            piece, t = piece.replace(' ', '\u2581'), 1
        tokens.append(piece)
        scores.append(score)
        types.append(t)
    return {'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': tokens,
            'tokenizer.ggml.scores': scores, 'tokenizer.ggml.token_type': types,
            'tokenizer.ggml.bos_token_id': 1, 'tokenizer.ggml.eos_token_id': 2,
            'tokenizer.ggml.unknown_token_id': 0, 'tokenizer.ggml.add_bos_token': True}


PRE_PATTERNS = {
    'gpt2': r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    'llama-bpe': r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    'qwen2': r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
}


def byte_map():
    bs = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BPE_CORPUS = """Once upon a time, there was a little girl named Lily. She loved to play outside.
The quick brown fox jumps over the lazy dog! It's 2024 and we'll see 12345 numbers.
Knowledge bases answer questions: what's the capital of France? Paris, of course.
   Indented lines\tand tabs\n\nand blank lines. Über naïve café résumé — 東京 タワー 你好世界.
""" * 3


def train_bpe(n_merges):
    """Merges learned greedily on BPE_CORPUS (GPT-2 pre-tokenizer), as 'a b' strings."""
    bm = byte_map()
    words = {}
    for w in regex.findall(PRE_PATTERNS['gpt2'], BPE_CORPUS):
        key = tuple(bm[b] for b in w.encode('utf-8'))
        words[key] = words.get(key, 0) + 1
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


def bpe_vocab(pre):
    bm = byte_map()
    merges = train_bpe(220)
    tokens = [bm[b] for b in range(256)]
    seen = set(tokens)
    for a, b in merges:
        if a + b not in seen:
            tokens.append(a + b)
            seen.add(a + b)
    types = [1] * len(tokens)
    for sp in ['<|endoftext|>', '<|im_start|>', '<|im_end|>']:
        tokens.append(sp)
        types.append(3)
    md = {'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': pre,
          'tokenizer.ggml.tokens': tokens, 'tokenizer.ggml.token_type': types,
          'tokenizer.ggml.merges': ['%s %s' % m for m in merges],
          'tokenizer.ggml.eos_token_id': tokens.index('<|endoftext|>'),
          'tokenizer.ggml.add_bos_token': False,
          'tokenizer.chat_template': "{% for m in messages %}<|im_start|>{{ m.role }}...{% endfor %}"}
    return md, tokens, merges


def bpe_reference(text, pre, tokens, merges):
    """GPT-2's encoder.py algorithm: all occurrences of the lowest-rank pair merged per step."""
    bm = byte_map()
    rank = {m: i for i, m in enumerate(merges)}
    index = {t: i for i, t in enumerate(tokens)}
    out = []
    for piece in regex.findall(PRE_PATTERNS[pre], text):
        word = [bm[b] for b in piece.encode('utf-8')]
        if pre == 'llama-bpe' and ''.join(word) in index:
            out.append(index[''.join(word)])
            continue
        while len(word) > 1:
            pairs = [(rank.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
            r, _ = min(pairs)
            if r == 1 << 30:
                break
            a, b = merges[r]
            new, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    new.append(a + b)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = new
        out.extend(index[w] for w in word)
    return out


BPE_TESTS = [
    "Hello world", " Hello world", "Hello World!", "It's 2024; we'll see, isn't it?",
    "DON'T SHOUT, I'LL HEAR", "1234567 and 89", "   leading spaces", "trailing spaces   ",
    "tabs\tand\nnewlines\n\n\nmore", "line\r\nwindows", "Über naïve café", "東京 タワー 你好世界",
    "emoji 🦙🔥 ok", "a  b   c    d", "!!!???...", " ' 's 'S 'll", "x\n \n y", "   \n\t  ",
    "Once upon a time, there was a little girl named Lily.", "",
]


# ----------------------------------------------------------------------------------------------
# Models.

def permute_for_gguf(w, n_head):
    """llama.cpp's convert_hf_to_gguf permutation of Llama q/k rows (rotate_half -> pairs)."""
    rows, cols = w.shape
    return w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def random_model(cfg, seed):
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, std=0.08):
        return torch.randn(*shape, generator=g, dtype=torch.float64) * std

    d, hd, ffn, V = cfg['dim'], cfg['head_dim'], cfg['ffn'], cfg['vocab']
    qd, kvd = cfg['heads'] * hd, cfg['kv_heads'] * hd
    W = {'embed': rnd(V, d, std=1.0), 'norm': 1 + rnd(d, std=0.1),
         'output': rnd(V, d, std=0.6), 'layers': []}
    for _ in range(cfg['layers']):
        L = {'attn_norm': 1 + rnd(d, std=0.1), 'ffn_norm': 1 + rnd(d, std=0.1),
             'wq': rnd(qd, d), 'wk': rnd(kvd, d), 'wv': rnd(kvd, d), 'wo': rnd(d, qd),
             'w_gate': rnd(ffn, d), 'w_up': rnd(ffn, d), 'w_down': rnd(d, ffn)}
        if cfg['arch'] == 'qwen2':
            L.update(bq=rnd(qd, std=0.2), bk=rnd(kvd, std=0.2), bv=rnd(kvd, std=0.2))
        if cfg['arch'] == 'qwen3':
            L.update(q_norm=1 + rnd(hd, std=0.1), k_norm=1 + rnd(hd, std=0.1))
        W['layers'].append(L)
    return W


def export(path, cfg, W, vocab_md, types, tied=False):
    """Writes W as GGUF with per-tensor types from `types` (a function name -> type); returns
    the weights as the file holds them (dequantized), for the reference."""
    arch = cfg['arch']
    md = {'general.architecture': arch, 'general.alignment': 32,
          arch + '.context_length': 256, arch + '.embedding_length': cfg['dim'],
          arch + '.block_count': cfg['layers'], arch + '.feed_forward_length': cfg['ffn'],
          arch + '.attention.head_count': cfg['heads'],
          arch + '.attention.head_count_kv': cfg['kv_heads'],
          arch + '.attention.layer_norm_rms_epsilon': cfg['eps'],
          arch + '.rope.freq_base': float(cfg['theta'])}
    if cfg['head_dim'] != cfg['dim'] // cfg['heads']:
        md[arch + '.attention.key_length'] = cfg['head_dim']
        md[arch + '.attention.value_length'] = cfg['head_dim']
    if 'rope_scale' in cfg:
        md[arch + '.rope.scaling.type'] = 'linear'
        md[arch + '.rope.scaling.factor'] = float(1.0 / cfg['rope_scale'])
    md.update(vocab_md)
    tensors = []
    deq = {'layers': []}

    def add(name, t, gtype=gw.F32):
        arr = t.detach().numpy().astype(np.float32)
        arr2 = arr.reshape(1, -1) if arr.ndim == 1 else arr
        raw, dq = gw.QUANTIZERS[gtype](arr2)
        tensors.append((name, gtype, list(reversed(arr.shape)), raw))
        return torch.tensor(dq.reshape(arr.shape), dtype=torch.float64)

    llama = arch == 'llama'
    deq['embed'] = add('token_embd.weight', W['embed'], types('token_embd'))
    deq['norm'] = add('output_norm.weight', W['norm'])
    deq['output'] = deq['embed'] if tied else add('output.weight', W['output'], types('output'))
    if 'rope_factors' in cfg:
        add('rope_freqs.weight', torch.tensor(cfg['rope_factors'], dtype=torch.float64))
    for i, L in enumerate(W['layers']):
        b = 'blk.%d.' % i
        D = {'attn_norm': add(b + 'attn_norm.weight', L['attn_norm']),
             'ffn_norm': add(b + 'ffn_norm.weight', L['ffn_norm'])}
        for key, name, perm_heads in [('wq', 'attn_q', cfg['heads']), ('wk', 'attn_k', cfg['kv_heads'])]:
            w = L[key]
            if llama:
                stored = permute_for_gguf(w, perm_heads)
                dq = add(b + name + '.weight', stored, types(name))
                # undo the permutation for the reference (rows are whole, so it commutes)
                inv = dq.reshape(perm_heads, cfg['head_dim'] // 2, 2, -1).swapaxes(1, 2)
                D[key] = inv.reshape(w.shape)
            else:
                D[key] = add(b + name + '.weight', w, types(name))
        D['wv'] = add(b + 'attn_v.weight', L['wv'], types('attn_v'))
        D['wo'] = add(b + 'attn_output.weight', L['wo'], types('attn_output'))
        for key, name in [('bq', 'attn_q.bias'), ('bk', 'attn_k.bias'), ('bv', 'attn_v.bias'),
                          ('q_norm', 'attn_q_norm.weight'), ('k_norm', 'attn_k_norm.weight')]:
            if key in L:
                D[key] = add(b + name, L[key])
        D['w_gate'] = add(b + 'ffn_gate.weight', L['w_gate'], types('ffn_gate'))
        D['w_up'] = add(b + 'ffn_up.weight', L['w_up'], types('ffn_up'))
        D['w_down'] = add(b + 'ffn_down.weight', L['w_down'], types('ffn_down'))
        deq['layers'].append(D)
    gw.write_gguf(path, md, tensors)
    return deq


EMBED_TEXTS = ["Once upon a time", "hello world", "Knowledge bases answer questions."]


def write_hf_decoder(out_dir, cfg, W, tokens, merges, types):
    """The model as a Hugging Face folder: config.json, model.safetensors (f32), tokenizer.json
    (byte-level BPE, EOS appended by the post-processor as Qwen3-Embedding's does)."""
    os.makedirs(out_dir, exist_ok=True)
    config = {'model_type': cfg['arch'], 'architectures': ['Qwen3Model'],
              'hidden_size': cfg['dim'], 'num_hidden_layers': cfg['layers'],
              'num_attention_heads': cfg['heads'], 'num_key_value_heads': cfg['kv_heads'],
              'head_dim': cfg['head_dim'], 'intermediate_size': cfg['ffn'],
              'vocab_size': cfg['vocab'], 'rms_norm_eps': cfg['eps'], 'rope_theta': cfg['theta'],
              'max_position_embeddings': 256, 'attention_bias': False}
    if 'rope_scale' in cfg:
        config['rope_scaling'] = {'rope_type': 'linear', 'factor': 1.0 / cfg['rope_scale']}
    json.dump(config, open(os.path.join(out_dir, 'config.json'), 'w'))
    named = {'model.embed_tokens.weight': W['embed'], 'model.norm.weight': W['norm'],
             'lm_head.weight': W['output']}
    hf = {'attn_norm': 'input_layernorm', 'ffn_norm': 'post_attention_layernorm',
          'wq': 'self_attn.q_proj', 'wk': 'self_attn.k_proj', 'wv': 'self_attn.v_proj',
          'wo': 'self_attn.o_proj', 'q_norm': 'self_attn.q_norm', 'k_norm': 'self_attn.k_norm',
          'w_gate': 'mlp.gate_proj', 'w_up': 'mlp.up_proj', 'w_down': 'mlp.down_proj'}
    for i, L in enumerate(W['layers']):
        for k, v in L.items():
            named['model.layers.%d.%s.weight' % (i, hf[k])] = v
    header, blobs, off = {}, [], 0
    for name, t in named.items():
        a = t.detach().numpy().astype(np.float32)
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header).encode()
    h += b' ' * ((-len(h)) % 8)
    with open(os.path.join(out_dir, 'model.safetensors'), 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
    vocab = {t: i for i, t in enumerate(tokens) if types[i] == 1}
    added = [{'id': i, 'content': t, 'special': True} for i, t in enumerate(tokens) if types[i] == 3]
    tok = {'model': {'type': 'BPE', 'vocab': vocab, 'merges': [[a, b] for a, b in merges]},
           'added_tokens': added,
           'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
               {'type': 'Split', 'pattern': {'Regex': PRE_PATTERNS['qwen2']}, 'behavior': 'Isolated'},
               {'type': 'ByteLevel', 'add_prefix_space': False}]},
           'post_processor': {'type': 'TemplateProcessing',
                              'single': [{'Sequence': {'id': 'A', 'type_id': 0}},
                                         {'SpecialToken': {'id': '<|endoftext|>', 'type_id': 0}}]}}
    json.dump(tok, open(os.path.join(out_dir, 'tokenizer.json'), 'w'))


def convert_stories(shared, out):
    """stories260K.bin (llama2.c) -> GGUF F32, with q/k rows as llama2.c stores them (already in
    the interleaved-pair order llama.cpp's 'llama' architecture expects)."""
    src = os.path.join(shared, 'tinyllm-stories260K')
    raw = open(os.path.join(src, 'stories260K.bin'), 'rb').read()
    dim, hid, L, nh, nkv, V, seq = struct.unpack_from('<7i', raw, 0)
    f = np.frombuffer(raw, dtype=np.float32, offset=28)
    kv = dim * nkv // nh
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = f[pos:pos + n].reshape(shape)
        pos += n
        return a

    emb = take(V, dim)
    parts = {k: take(L, *s) for k, s in [('rms_att', (dim,)), ('wq', (dim, dim)), ('wk', (kv, dim)),
                                          ('wv', (kv, dim)), ('wo', (dim, dim)), ('rms_ffn', (dim,)),
                                          ('w1', (hid, dim)), ('w2', (dim, hid)), ('w3', (hid, dim))]}
    norm = take(dim)
    md = {'general.architecture': 'llama', 'llama.context_length': seq,
          'llama.embedding_length': dim, 'llama.block_count': L, 'llama.feed_forward_length': hid,
          'llama.attention.head_count': nh, 'llama.attention.head_count_kv': nkv,
          'llama.attention.layer_norm_rms_epsilon': 1e-5, 'llama.rope.freq_base': 10000.0}
    md.update(spm_vocab_from_tok512(os.path.join(src, 'tok512.bin')))
    for gtype, name in [(gw.F32, 'stories260K-f32.gguf'), (gw.Q8_0, 'stories260K-q8_0.gguf')]:
        tensors = []

        def add(n, a, t=gw.F32):
            a2 = a.reshape(1, -1) if a.ndim == 1 else a
            if a2.shape[1] % 32:
                t = gw.F32  # rows of 172 (w2) fit no Q8_0 block, as llama.cpp's converter finds
            tensors.append((n, t, list(reversed(a.shape)), gw.QUANTIZERS[t](a2)[0]))

        add('token_embd.weight', emb, gtype)
        add('output_norm.weight', norm)
        for i in range(L):
            b = 'blk.%d.' % i
            add(b + 'attn_norm.weight', parts['rms_att'][i])
            add(b + 'ffn_norm.weight', parts['rms_ffn'][i])
            for k, n in [('wq', 'attn_q'), ('wk', 'attn_k'), ('wv', 'attn_v'), ('wo', 'attn_output'),
                         ('w1', 'ffn_gate'), ('w2', 'ffn_down'), ('w3', 'ffn_up')]:
                add(b + n + '.weight', parts[k][i], gtype)
        gw.write_gguf(os.path.join(out, name), md, tensors)


def main():
    out = sys.argv[1]
    shared = os.environ.get('RAGDB_SHARED_DATA') or sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ref = {'models': {}, 'bpe': {}}
    prompt = [1, 72, 101, 300, 17, 5, 260, 99]

    spm = spm_vocab_from_tok512(os.path.join(shared, 'tinyllm-stories260K', 'tok512.bin'))
    qmd, qtokens, qmerges = bpe_vocab('qwen2')
    base = dict(dim=256, heads=4, kv_heads=2, head_dim=64, ffn=512, layers=2, eps=1e-5, theta=10000.0)
    llama = dict(base, arch='llama', vocab=512,
                 rope_factors=[1.0] * 8 + [1.5, 2.0, 3.0, 4.0] + [8.0] * 20)
    qwen2 = dict(base, arch='qwen2', vocab=len(qtokens), theta=1000000.0, eps=1e-6)
    qwen3 = dict(base, arch='qwen3', vocab=len(qtokens), head_dim=128, eps=1e-6, rope_scale=0.5)
    draft = dict(llama, layers=1)

    def fixed(t):
        return lambda name: t

    def mixed(name):
        return {'attn_q': gw.Q5_K, 'attn_k': gw.Q6_K, 'attn_v': gw.Q4_0, 'attn_output': gw.F16,
                'ffn_gate': gw.BF16, 'ffn_up': gw.Q5_K, 'ffn_down': gw.Q6_K,
                'token_embd': gw.Q6_K, 'output': gw.Q8_0}[name]

    jobs = [('llama', llama, 11, spm, [('f32', fixed(gw.F32)), ('q8_0', fixed(gw.Q8_0)),
                                       ('q4_k', fixed(gw.Q4_K))]),
            ('qwen2', qwen2, 12, qmd, [('f32', fixed(gw.F32)), ('q8_0', fixed(gw.Q8_0)),
                                       ('q4_k', fixed(gw.Q4_K)), ('mixed', mixed)]),
            ('qwen3', qwen3, 13, qmd, [('f32', fixed(gw.F32))]),
            ('draft', draft, 14, spm, [('f32', fixed(gw.F32))])]
    for family, cfg, seed, vmd, variants in jobs:
        W = random_model(cfg, seed)
        p = [t % cfg['vocab'] for t in prompt]
        for vname, types in variants:
            name = '%s-%s' % (family, vname)
            deq = export(os.path.join(out, name + '.gguf'), cfg, W, vmd, types)
            logits = forward(cfg, deq, p)
            tokens, margins = greedy(cfg, deq, p, 32)
            ref['models'][name] = {'prompt': p, 'logits': logits.flatten().tolist(),
                                   'vocab': cfg['vocab'], 'greedy': tokens, 'margins': margins}
    # Qwen3 as an embedder: the same weights as a Hugging Face folder; last-token pooling after
    # the EOS the tokenizer appends, L2-normalized.
    W = random_model(qwen3, 13)
    qtypes = qmd['tokenizer.ggml.token_type']
    write_hf_decoder(os.path.join(out, 'qwen3-hf'), qwen3, W, qtokens, qmerges, qtypes)
    eos = qtokens.index('<|endoftext|>')
    ref['embeddings'] = []
    for text in EMBED_TEXTS:
        ids = bpe_reference(text, 'qwen2', qtokens, qmerges) + [eos]
        h = forward(qwen3, W, ids, hidden=True)[-1]
        ref['embeddings'].append({'text': text, 'vector': (h / h.norm()).tolist()})
    for pre in ['gpt2', 'llama-bpe', 'qwen2']:
        md, tokens, merges = bpe_vocab(pre)
        gw.write_gguf(os.path.join(out, 'vocab-bpe-%s.gguf' % pre), md, [])
        ref['bpe'][pre] = [{'text': t, 'ids': bpe_reference(t, pre, tokens, merges)}
                           for t in BPE_TESTS]
    convert_stories(shared, out)
    with open(os.path.join(out, 'reference.json'), 'w') as f:
        json.dump(ref, f)


if __name__ == '__main__':
    main()
