#!/usr/bin/python3
"""Generates the tiny model fixtures of src/model's tests (tests/fixtures/models/).

Hugging Face-format folders with random weights: a BERT encoder and cross-encoder with a
small WordPiece vocabulary (vocab.txt + tokenizer.json), an XLM-RoBERTa encoder and
cross-encoder with a small Unigram vocabulary (tokenizer.json), a BERT masked-LM model for
SPLADE (its reference: the max-pooled log(1 + relu) vocabulary weights), a ColBERT checkpoint,
and an XLM-R encoder with BGE-M3's sparse head in a torch.save'd sparse_linear.pt. Some tensors are stored as float16
and bfloat16 to exercise the loaders. reference.json holds token ids, embeddings (CLS and mean
pooling, not normalized) and cross-encoder scores computed here by plain PyTorch (float64) and a
plain-Python re-implementation of the Hugging Face tokenizers' rules, so the C++ runtime is checked
against an independent implementation. No network, no `transformers`, no `safetensors` package.

The PyTorch encoder (`forward`) and the safetensors writer are also used by bench/model_bench.py.

Usage: /usr/bin/python3 scripts/gen_model_fixtures.py [--out tests/fixtures/models]
"""
import argparse
import collections
import json
import math
import os
import struct
import unicodedata

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# safetensors


def to_dtype_bytes(t, dtype):
    """Raw little-endian bytes of tensor `t` stored as dtype ('F32', 'F16', 'BF16')."""
    t = t.detach().to(torch.float32).contiguous()
    if dtype == "F32":
        return t.numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.numpy().astype("<f2").tobytes()
    if dtype == "BF16":
        # Round to nearest even, as torch does.
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(dtype)


def rounded(t, dtype):
    """The float values that survive storage as `dtype`."""
    if dtype == "F32":
        return t.to(torch.float32)
    if dtype == "F16":
        return t.to(torch.float16).to(torch.float32)
    return t.to(torch.bfloat16).to(torch.float32)


def write_safetensors(path, tensors, dtypes=None):
    """tensors: name -> torch tensor; dtypes: name -> 'F32' | 'F16' | 'BF16' (default F32)."""
    dtypes = dtypes or {}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        dt = dtypes.get(name, "F32")
        raw = to_dtype_bytes(tensors[name], dt)
        header[name] = {"dtype": dt, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)  # keep the data 8-byte aligned, like the reference writer
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------------------------
# The encoder in plain PyTorch (same architecture as transformers' BertModel / XLMRobertaModel)


def tensor_names(cfg, prefix=""):
    h, i = cfg["hidden_size"], cfg["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": (cfg["vocab_size"], h),
        "embeddings.position_embeddings.weight": (cfg["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": (cfg["type_vocab_size"], h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
    }
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        for n in ("attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense"):
            shapes[p + n + ".weight"] = (h, h)
            shapes[p + n + ".bias"] = (h,)
        shapes[p + "attention.output.LayerNorm.weight"] = (h,)
        shapes[p + "attention.output.LayerNorm.bias"] = (h,)
        shapes[p + "intermediate.dense.weight"] = (i, h)
        shapes[p + "intermediate.dense.bias"] = (i,)
        shapes[p + "output.dense.weight"] = (h, i)
        shapes[p + "output.dense.bias"] = (h,)
        shapes[p + "output.LayerNorm.weight"] = (h,)
        shapes[p + "output.LayerNorm.bias"] = (h,)
    return {prefix + k: v for k, v in shapes.items()}


def random_weights(cfg, gen, scale=0.15, prefix=""):
    w = {}
    for name, shape in tensor_names(cfg, prefix).items():
        if name.endswith("LayerNorm.weight"):
            w[name] = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith("bias"):
            w[name] = 0.05 * torch.randn(shape, generator=gen)
        elif "self.query" in name or "self.key" in name:
            w[name] = 2 * scale * torch.randn(shape, generator=gen)  # peaky attention
        else:
            w[name] = scale * torch.randn(shape, generator=gen)
    return w


def forward(W, cfg, batch_ids, batch_types, prefix="", dtype=torch.float64, attended=None):
    """Last hidden states [B, L, H] and the attention mask [B, L] (padded batch, masked).
    attended[b]: how many leading tokens of sequence b may be attended to (default: all)."""
    g = lambda n: W[prefix + n]
    B = len(batch_ids)
    L = max(len(x) for x in batch_ids)
    pad = cfg.get("pad_token_id", 0)
    ids = torch.full((B, L), pad, dtype=torch.long)
    types = torch.zeros((B, L), dtype=torch.long)
    mask = torch.zeros((B, L), dtype=dtype)
    for b, (x, t) in enumerate(zip(batch_ids, batch_types)):
        ids[b, :len(x)] = torch.tensor(x)
        types[b, :len(t)] = torch.tensor(t)
        mask[b, :len(x) if attended is None else attended[b]] = 1
    if cfg["model_type"] == "xlm-roberta":
        pos = (torch.cumsum(mask, 1) * mask).long() + pad
    else:
        pos = torch.arange(L).unsqueeze(0).expand(B, L)
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    hd = h // nh
    eps = cfg["layer_norm_eps"]
    x = (g("embeddings.word_embeddings.weight")[ids] + g("embeddings.position_embeddings.weight")[pos]
         + g("embeddings.token_type_embeddings.weight")[types])
    x = F.layer_norm(x, (h,), g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    neg = (1.0 - mask)[:, None, None, :] * torch.finfo(dtype).min
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        lin = lambda t, n: F.linear(t, g(p + n + ".weight"), g(p + n + ".bias"))
        split = lambda t: t.view(B, L, nh, hd).transpose(1, 2)
        q = split(lin(x, "attention.self.query"))
        k = split(lin(x, "attention.self.key"))
        v = split(lin(x, "attention.self.value"))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + neg
        ctx = torch.matmul(torch.softmax(s, -1), v).transpose(1, 2).reshape(B, L, h)
        x = F.layer_norm(lin(ctx, "attention.output.dense") + x, (h,),
                         g(p + "attention.output.LayerNorm.weight"),
                         g(p + "attention.output.LayerNorm.bias"), eps)
        mid = F.gelu(lin(x, "intermediate.dense"))
        x = F.layer_norm(lin(mid, "output.dense") + x, (h,), g(p + "output.LayerNorm.weight"),
                         g(p + "output.LayerNorm.bias"), eps)
    return x, mask


def pool(x, mask, mode):
    if mode == "cls":
        return x[:, 0]
    return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)


def classify(W, cfg, x):
    first = x[:, 0]
    if cfg["model_type"] == "bert":
        pooled = torch.tanh(F.linear(first, W["bert.pooler.dense.weight"], W["bert.pooler.dense.bias"]))
        return F.linear(pooled, W["classifier.weight"], W["classifier.bias"])
    hdn = torch.tanh(F.linear(first, W["classifier.dense.weight"], W["classifier.dense.bias"]))
    return F.linear(hdn, W["classifier.out_proj.weight"], W["classifier.out_proj.bias"])


# ---------------------------------------------------------------------------------------------
# Tokenizers, re-implemented from the Hugging Face tokenizers rules

WHITE_SPACE = set([0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
                   0x205F, 0x3000] + list(range(0x2000, 0x200B)))


def is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cf", "Cn", "Co", "Cs")


def is_bert_ws(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_punct(c):
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(o):
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF
            or 0x2A700 <= o <= 0x2B73F or 0x2B740 <= o <= 0x2B81F or 0x2B820 <= o <= 0x2CEAF
            or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F)


def bert_normalize(text, lowercase=True):
    out = []
    for c in text:
        if c == "\0" or c == "\ufffd" or is_control(c):
            continue
        if is_bert_ws(c):
            c = " "
        if is_cjk(ord(c)):
            out += [" ", c, " "]
        else:
            out.append(c)
    s = "".join(out)
    if lowercase:
        s = "".join(ch for ch in unicodedata.normalize("NFD", s) if unicodedata.category(ch) != "Mn")
        s = "".join(ch.lower() for ch in s)  # per character: no final-sigma context
    return s


def bert_pretokenize(s):
    words, cur = [], ""
    for c in s:
        if ord(c) in WHITE_SPACE:
            if cur:
                words.append(cur)
            cur = ""
        elif is_punct(c):
            if cur:
                words.append(cur)
            cur = ""
            words.append(c)
        else:
            cur += c
    if cur:
        words.append(cur)
    return words


def wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [vocab[unk]]
    out, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while end > start:
            piece = ("##" if start > 0 else "") + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [vocab[unk]]
        out.append(found)
        start = end
    return out


def bert_tokenize(text, vocab):
    return [i for w in bert_pretokenize(bert_normalize(text)) for i in wordpiece(w, vocab)]


def nmt_normalize(text):
    """The Precompiled normalizer as the C++ runtime approximates it, then Replace(' {2,}', ' ')."""
    out = []
    for c in text:
        o = ord(c)
        if c in "\t\n\r\x0b\x0c":
            out.append(" ")
        elif o < 0x20 or o == 0x7F:
            continue
        else:
            out.append(c)
    s = unicodedata.normalize("NFKC", "".join(out))
    while "  " in s:
        s = s.replace("  ", " ")
    return s


def metaspace(s):
    if not s:
        return []
    s = s.replace(" ", "\u2581")
    if not s.startswith("\u2581"):
        s = "\u2581" + s
    pieces, start = [], 0
    for i in range(1, len(s) + 1):
        if i == len(s) or s[i] == "\u2581":
            pieces.append(s[start:i])
            start = i
    return pieces


def unigram(word, pieces, unk_id):
    index = {p: i for i, (p, _) in enumerate(pieces)}
    scores = [s for _, s in pieces]
    unk_score = min(scores) - 10.0
    maxlen = max(len(p) for p, _ in pieces)
    n = len(word)
    best = [-math.inf] * (n + 1)
    back = [None] * (n + 1)
    best[0] = 0.0
    for s in range(n):
        if best[s] == -math.inf:
            continue
        single = False
        for ln in range(1, min(n - s, maxlen) + 1):
            i = index.get(word[s:s + ln])
            if i is None:
                continue
            if ln == 1:
                single = True
            sc = best[s] + scores[i]
            if sc > best[s + ln]:
                best[s + ln], back[s + ln] = sc, (s, i)
        if not single:
            sc = best[s] + unk_score
            if sc > best[s + 1]:
                best[s + 1], back[s + 1] = sc, (s, unk_id)
    ids, e = [], n
    while e > 0:
        s, i = back[e]
        ids.append(i)
        e = s
    ids.reverse()
    fused = []
    for i in ids:
        if i == unk_id and fused and fused[-1] == unk_id:
            continue
        fused.append(i)
    return fused


def xlmr_tokenize(text, pieces, unk_id=3):
    return [i for w in metaspace(nmt_normalize(text)) for i in unigram(w, pieces, unk_id)]


def truncate_pair(a, b, budget):
    a, b = list(a), list(b)
    while len(a) + len(b) > budget:
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    return a, b


# ---------------------------------------------------------------------------------------------
# Fixture vocabularies and texts

BERT_WORDS = ["the", "quick", "brown", "fox", "jump", "over", "lazy", "dog", "hello", "world",
              "cafe", "naive", "run", "un", "data", "base", "query", "document", "is", "a",
              "river", "bank", "money", "model", "token", "text", "中", "文", "字"]
BERT_SUFFIXES = ["s", "ed", "ing", "aff", "able", "er", "ly", "base"]


def bert_vocab():
    toks = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    toks += list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    toks += list("0123456789abcdefghijklmnopqrstuvwxyz")
    toks += ["##" + c for c in "0123456789abcdefghijklmnopqrstuvwxyz"]
    toks += BERT_WORDS + ["##" + s for s in BERT_SUFFIXES]
    return list(dict.fromkeys(toks))  # no duplicate lines


XLMR_PIECES = ["\u2581the", "\u2581hello", "\u2581world", "he", "llo", "wor", "ld", "\u2581qu",
               "ick", "\u2581fox", "\u2581caf", "\u2581na", "\u2581bank", "\u2581river", "\u2581money",
               "ing", "\u2581is", "\u2581a", "\u2581data", "base", "\u2581fine", "\u2581fi", "ne",
               "\u25811", "\u2581text", "中文", "\u2581中", "\u2581Hello", "\u2581The", "\u2581World",
               "er", "\u2581un", "able", "\u2581brown", "\u2581do", "cu", "ment", "\u2581query"]


def xlmr_pieces(gen):
    chars = list("abcdefghijklmnopqrstuvwxyzHTWQ.,!?'-0123456789éïü中文字")
    pieces = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.5)]
    for c in chars:
        pieces.append((c, round(-8.0 - 3.0 * torch.rand(1, generator=gen).item(), 4)))
    for p in XLMR_PIECES:
        pieces.append((p, round(-9.0 + 1.2 * len(p) - 2.0 * torch.rand(1, generator=gen).item(), 4)))
    pieces.append(("<mask>", 0.0))
    return pieces


BERT_TEXTS = [
    "Hello, World!",
    "The quick brown fox jumps over the lazy dog.",
    "unaffable café NAÏVE runner",
    "中文字 text",
    "  spaces\tand\nnewlines  ",
    "",
    "ctrl\u0007char zero\u200bwidth",
    "x" * 101 + " long",
    "data-base: query @ document #1 (model) [tokens]",
    "banks river bank money " * 20,
]

XLMR_TEXTS = [
    "Hello world!",
    "The quick brown fox.",
    "café naïve über",
    "\ufb01ne \u2460 text",
    "  leading and trailing  ",
    "中文字",
    "snow \u2603 man \u2603\u2603 unknown",
    "",
    "tab\tand\nnewline ctrl\u0007",
    "river bank money data base " * 12,
]

RERANK_QUERY = "river bank money"
RERANK_DOCS = ["The river bank is muddy.", "Money in the bank.", "A quick brown fox.",
               "", "bank " * 40]


# ---------------------------------------------------------------------------------------------
# Writing the folders

def base_config(model_type, vocab_size, max_pos):
    cfg = {
        "model_type": model_type, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
        "max_position_embeddings": max_pos, "vocab_size": vocab_size,
        "layer_norm_eps": 1e-12 if model_type == "bert" else 1e-5,
        "position_embedding_type": "absolute",
    }
    if model_type == "bert":
        cfg.update(type_vocab_size=2, pad_token_id=0, architectures=["BertModel"])
    else:
        cfg.update(type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                   architectures=["XLMRobertaModel"])
    return cfg


def bert_tokenizer_json(vocab):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "special": True} for t in
                         ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def xlmr_tokenizer_json(pieces):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": p, "special": True} for i, p in
                         enumerate(["<s>", "<pad>", "</s>", "<unk>"])] +
                        [{"id": len(pieces) - 1, "content": "<mask>", "special": True}],
        # Real XLM-R files carry SentencePiece's nmt_nfkc map here; the runtime approximates
        # Precompiled with NFKC, so the fixture leaves the map empty.
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": ""},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                               "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always"},
        "model": {"type": "Unigram", "unk_id": 3, "byte_fallback": False,
                  "vocab": [[p, s] for p, s in pieces]},
    }


def dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def store(folder, W, dtypes):
    """Writes the weights and returns them as the f64 values the file holds."""
    write_safetensors(os.path.join(folder, "model.safetensors"), W, dtypes)
    return {k: rounded(v, dtypes.get(k, "F32")).to(torch.float64) for k, v in W.items()}


def write_bert_folder(folder, cfg, vocab_list, max_len):
    """config.json and the WordPiece tokenizer files of a BERT fixture folder."""
    dump(os.path.join(folder, "config.json"), cfg)
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab_list) + "\n")
    vocab = {t: i for i, t in enumerate(vocab_list)}
    dump(os.path.join(folder, "tokenizer.json"), bert_tokenizer_json(vocab))
    dump(os.path.join(folder, "tokenizer_config.json"),
         {"do_lower_case": True, "model_max_length": max_len, "tokenizer_class": "BertTokenizer"})


def single_encode(tok_ids, cls, sep, max_len):
    ids = [cls] + tok_ids[:max_len - 2] + [sep]
    return ids, [0] * len(ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests",
                                                  "fixtures", "models"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    gen = torch.Generator().manual_seed(20240506)
    ref = {}

    # ---- BERT, WordPiece
    vocab_list = bert_vocab()
    vocab = {t: i for i, t in enumerate(vocab_list)}
    max_len = 64
    for name, ce in (("bert_tiny", False), ("bert_tiny_ce", True)):
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        cfg = base_config("bert", len(vocab_list), max_len)
        prefix = "bert." if ce else ""
        W = random_weights(cfg, gen, prefix=prefix)
        dtypes = {prefix + "embeddings.word_embeddings.weight": "F16"}
        for k in W:
            if ".layer.1." in k:
                dtypes[k] = "BF16"
        if ce:
            cfg["architectures"] = ["BertForSequenceClassification"]
            cfg["id2label"] = {"0": "LABEL_0"}
            cfg["label2id"] = {"LABEL_0": 0}
            W["bert.pooler.dense.weight"] = 0.3 * torch.randn(32, 32, generator=gen)
            W["bert.pooler.dense.bias"] = 0.05 * torch.randn(32, generator=gen)
            W["classifier.weight"] = 0.5 * torch.randn(1, 32, generator=gen)
            W["classifier.bias"] = 0.1 * torch.randn(1, generator=gen)
        write_bert_folder(folder, cfg, vocab_list, max_len)
        Wd = store(folder, W, dtypes)
        if not ce:
            os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
            dump(os.path.join(folder, "1_Pooling", "config.json"),
                 {"word_embedding_dimension": 32, "pooling_mode_cls_token": True,
                  "pooling_mode_mean_tokens": False})
            dump(os.path.join(folder, "config_sentence_transformers.json"),
                 {"prompts": {"query": "query: ", "document": ""}, "default_prompt_name": None})
            toks = [bert_tokenize(t, vocab) for t in BERT_TEXTS]
            enc = [single_encode(t, vocab["[CLS]"], vocab["[SEP]"], max_len) for t in toks]
            x, m = forward(Wd, cfg, [e[0] for e in enc], [e[1] for e in enc])
            q_ids, q_types = single_encode(bert_tokenize("query: " + BERT_TEXTS[1], vocab),
                                           vocab["[CLS]"], vocab["[SEP]"], max_len)
            qx, qm = forward(Wd, cfg, [q_ids], [q_types])
            ref[name] = {"texts": BERT_TEXTS, "tokens": toks, "ids": [e[0] for e in enc],
                         "cls": pool(x, m, "cls").tolist(), "mean": pool(x, m, "mean").tolist(),
                         "query_text": BERT_TEXTS[1], "query_cls": pool(qx, qm, "cls").tolist()[0]}
        else:
            pairs = []
            for d in RERANK_DOCS:
                a, b = truncate_pair(bert_tokenize(RERANK_QUERY, vocab), bert_tokenize(d, vocab),
                                     max_len - 3)
                ids = [vocab["[CLS]"]] + a + [vocab["[SEP]"]] + b + [vocab["[SEP]"]]
                types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
                pairs.append((ids, types))
            x, m = forward(Wd, cfg, [p[0] for p in pairs], [p[1] for p in pairs], prefix="bert.")
            scores = classify(Wd, cfg, x)[:, 0]
            ref[name] = {"query": RERANK_QUERY, "docs": RERANK_DOCS,
                         "pair_ids": [p[0] for p in pairs], "pair_type_ids": [p[1] for p in pairs],
                         "scores": scores.tolist()}

    # ---- XLM-R, Unigram
    pieces = xlmr_pieces(gen)
    max_pos = 66  # 64 tokens + padding_idx + 1
    for name, ce in (("xlmr_tiny", False), ("xlmr_tiny_ce", True)):
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        cfg = base_config("xlm-roberta", len(pieces), max_pos)
        prefix = "roberta." if ce else ""
        W = random_weights(cfg, gen, prefix=prefix)
        dtypes = {prefix + "embeddings.word_embeddings.weight": "BF16"}
        for k in W:
            if ".layer.0." in k:
                dtypes[k] = "F16"
        if ce:
            cfg["architectures"] = ["XLMRobertaForSequenceClassification"]
            cfg["num_labels"] = 1
            W["classifier.dense.weight"] = 0.3 * torch.randn(32, 32, generator=gen)
            W["classifier.dense.bias"] = 0.05 * torch.randn(32, generator=gen)
            W["classifier.out_proj.weight"] = 0.5 * torch.randn(1, 32, generator=gen)
            W["classifier.out_proj.bias"] = 0.1 * torch.randn(1, generator=gen)
        dump(os.path.join(folder, "config.json"), cfg)
        dump(os.path.join(folder, "tokenizer.json"), xlmr_tokenizer_json(pieces))
        dump(os.path.join(folder, "tokenizer_config.json"),
             {"model_max_length": 64, "tokenizer_class": "XLMRobertaTokenizer"})
        Wd = store(folder, W, dtypes)
        ml = 64
        if not ce:
            toks = [xlmr_tokenize(t, pieces) for t in XLMR_TEXTS]
            enc = [single_encode(t, 0, 2, ml) for t in toks]
            x, m = forward(Wd, cfg, [e[0] for e in enc], [e[1] for e in enc])
            ref[name] = {"texts": XLMR_TEXTS, "tokens": toks, "ids": [e[0] for e in enc],
                         "cls": pool(x, m, "cls").tolist(), "mean": pool(x, m, "mean").tolist()}
        else:
            pairs = []
            for d in RERANK_DOCS:
                a, b = truncate_pair(xlmr_tokenize(RERANK_QUERY, pieces), xlmr_tokenize(d, pieces),
                                     ml - 4)
                ids = [0] + a + [2, 2] + b + [2]
                pairs.append((ids, [0] * len(ids)))
            x, m = forward(Wd, cfg, [p[0] for p in pairs], [p[1] for p in pairs], prefix="roberta.")
            scores = classify(Wd, cfg, x)[:, 0]
            ref[name] = {"query": RERANK_QUERY, "docs": RERANK_DOCS,
                         "pair_ids": [p[0] for p in pairs], "pair_type_ids": [p[1] for p in pairs],
                         "scores": scores.tolist()}

    # ---- SPLADE: a BERT masked-LM model (encoder under "bert.", the MLM head's transform and
    # bias, the vocabulary projection tied to the word embeddings), generated last so that the
    # fixtures above keep their weights.
    name = "bert_tiny_splade"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    cfg = base_config("bert", len(vocab_list), max_len)
    cfg["architectures"] = ["BertForMaskedLM"]
    W = random_weights(cfg, gen, prefix="bert.")
    W["cls.predictions.transform.dense.weight"] = 0.3 * torch.randn(32, 32, generator=gen)
    W["cls.predictions.transform.dense.bias"] = 0.05 * torch.randn(32, generator=gen)
    W["cls.predictions.transform.LayerNorm.weight"] = 1.0 + 0.1 * torch.randn(32, generator=gen)
    W["cls.predictions.transform.LayerNorm.bias"] = 0.05 * torch.randn(32, generator=gen)
    W["cls.predictions.bias"] = 0.3 * torch.randn(len(vocab_list), generator=gen) - 0.2
    write_bert_folder(folder, cfg, vocab_list, max_len)
    Wd = store(folder, W, {"bert.embeddings.word_embeddings.weight": "F16"})
    texts = [t for t in BERT_TEXTS if t]
    enc = [single_encode(bert_tokenize(t, vocab), vocab["[CLS]"], vocab["[SEP]"], max_len)
           for t in texts]
    x, m = forward(Wd, cfg, [e[0] for e in enc], [e[1] for e in enc], prefix="bert.")
    t = F.linear(x, Wd["cls.predictions.transform.dense.weight"],
                 Wd["cls.predictions.transform.dense.bias"])
    t = F.layer_norm(F.gelu(t), (32,), Wd["cls.predictions.transform.LayerNorm.weight"],
                     Wd["cls.predictions.transform.LayerNorm.bias"], cfg["layer_norm_eps"])
    logits = t @ Wd["bert.embeddings.word_embeddings.weight"].T + Wd["cls.predictions.bias"]
    w = torch.log1p(torch.relu(logits)) * m[..., None]  # padding rows count as 0
    w = w.max(dim=1).values
    ref[name] = {"texts": texts,
                 "sparse": [{str(i): float(v) for i, v in enumerate(row.tolist()) if v > 0}
                            for row in w]}

    # ---- ColBERT: a BERT encoder under "bert." and a bias-free linear head "linear.weight"
    # (colbert-ir/colbertv2.0's HF_ColBERT layout), markers [unused0] / [unused1] appended to the
    # vocabulary, short lengths in artifact.metadata so truncation and query padding are tested.
    name = "bert_tiny_colbert"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    cb_vocab_list = vocab_list + ["[unused0]", "[unused1]"]
    cb_vocab = {t: i for i, t in enumerate(cb_vocab_list)}
    cfg = base_config("bert", len(cb_vocab_list), max_len)
    cfg["architectures"] = ["HF_ColBERT"]
    W = random_weights(cfg, gen, prefix="bert.")
    W["linear.weight"] = 0.3 * torch.randn(8, 32, generator=gen)
    write_bert_folder(folder, cfg, cb_vocab_list, max_len)
    meta = {"query_maxlen": 12, "doc_maxlen": 16, "query_token_id": "[unused0]",
            "doc_token_id": "[unused1]", "mask_punctuation": True,
            "attend_to_mask_tokens": False, "dim": 8, "similarity": "cosine"}
    dump(os.path.join(folder, "artifact.metadata"), meta)
    Wd = store(folder, W, {})
    cls, sep, msk = cb_vocab["[CLS]"], cb_vocab["[SEP]"], cb_vocab["[MASK]"]
    punct = {cb_vocab[c] for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}

    def colbert_vectors(ids, attended):
        x, _ = forward(Wd, cfg, [ids], [[0] * len(ids)], prefix="bert.", attended=[attended])
        v = F.normalize(F.linear(x[0], Wd["linear.weight"]), dim=-1)
        return v

    texts = [t for t in BERT_TEXTS if t]
    docs = []
    for t in texts:
        toks = bert_tokenize(t, cb_vocab)[:meta["doc_maxlen"] - 3]
        ids = [cls, cb_vocab["[unused1]"]] + toks + [sep]
        v = colbert_vectors(ids, len(ids))
        docs.append([row.tolist() for i, row in zip(ids, v) if i not in punct])
    queries = []
    for t in texts[:4]:
        toks = bert_tokenize(t, cb_vocab)[:meta["query_maxlen"] - 3]
        ids = [cls, cb_vocab["[unused0]"]] + toks + [sep]
        n = len(ids)
        ids += [msk] * (meta["query_maxlen"] - n)
        queries.append([row.tolist() for row in colbert_vectors(ids, n)])
    ref[name] = {"texts": texts, "docs": docs, "queries": queries}

    # ---- BGE-M3's sparse head: an XLM-R encoder and sparse_linear.pt, a torch.save'd
    # Linear(hidden, 1) state dict as BAAI/bge-m3 ships it. Lexical weights as FlagEmbedding
    # computes them: relu(linear(h)) per token, the max per token id, <s> </s> <pad> <unk> left out.
    name = "xlmr_tiny_m3"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    cfg = base_config("xlm-roberta", len(pieces), max_pos)
    W = random_weights(cfg, gen)
    dump(os.path.join(folder, "config.json"), cfg)
    dump(os.path.join(folder, "tokenizer.json"), xlmr_tokenizer_json(pieces))
    dump(os.path.join(folder, "tokenizer_config.json"),
         {"model_max_length": 64, "tokenizer_class": "XLMRobertaTokenizer"})
    Wd = store(folder, W, {})
    head = torch.nn.Linear(32, 1)
    with torch.no_grad():
        head.weight.copy_(0.5 * torch.randn(1, 32, generator=gen))
        head.bias.copy_(0.05 * torch.randn(1, generator=gen))
    torch.save(head.state_dict(), os.path.join(folder, "sparse_linear.pt"))
    texts = XLMR_TEXTS
    enc = [single_encode(xlmr_tokenize(t, pieces), 0, 2, 64) for t in texts]
    x, m = forward(Wd, cfg, [e[0] for e in enc], [e[1] for e in enc])
    tw = torch.relu(x @ head.weight.detach().to(torch.float64).T +
                    head.bias.detach().to(torch.float64))[..., 0]
    sparse = []
    for (ids, _), row in zip(enc, tw):
        weights = {}
        for i, w in zip(ids, row.tolist()):
            if i not in (0, 1, 2, 3) and w > 0:
                weights[str(i)] = max(weights.get(str(i), 0.0), w)
        sparse.append(weights)
    ref[name] = {"texts": texts, "sparse": sparse}

    # ---- PyTorch checkpoints for the reader's own tests (src/model/model_files_test.cc): every
    # float dtype, a view with a storage offset sharing its storage, a Parameter, an integer
    # tensor; pickle protocols 2 (torch.save's default) and 4; a non-contiguous tensor alone.
    folder = os.path.join(out, "torch")
    os.makedirs(folder, exist_ok=True)
    big = torch.arange(8, dtype=torch.float32)
    state = collections.OrderedDict([
        ("f32", torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5),
        ("f16", torch.tensor([1.5, -2.25, 3.0], dtype=torch.float16)),
        ("bf16", torch.tensor([0.5, -1.0], dtype=torch.bfloat16)),
        ("full", big), ("view", big[2:5]),
        ("layer.weight", torch.nn.Parameter(torch.tensor([7.0, -7.0]))),
        ("steps", torch.tensor([1, 2, 3], dtype=torch.int64)),
        ("note", "not a tensor")])
    torch.save(state, os.path.join(folder, "state_p2.pt"))
    torch.save(state, os.path.join(folder, "state_p4.pt"), pickle_protocol=4)
    torch.save({"t": torch.arange(6, dtype=torch.float32).reshape(2, 3).t()},
               os.path.join(folder, "noncontiguous.pt"))

    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
