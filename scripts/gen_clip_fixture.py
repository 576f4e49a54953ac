#!/usr/bin/python3
"""Writes a random-weight CLIP model in Hugging Face layout, and what it must compute.

The folder has config.json, preprocessor_config.json, tokenizer_config.json, tokenizer.json,
vocab.json + merges.txt (a byte-level BPE vocabulary learned here from a small corpus) and
model.safetensors (transformers' CLIPModel tensor names). With --reference it also writes a few
test images (PNG and JPEG made with Pillow) and reference.json: token ids, preprocessed pixels and
image / text features computed by plain PyTorch in float64 and a plain-Python BPE tokenizer, so
the C++ runtime (src/model/clip) is checked against an independent implementation. There is no
`transformers` package here, so the forward pass below is written from the architecture.

  --size tiny   text 32-d x 2 layers, vision 48-d x 2 layers on 64 x 64 images (tests)
  --size base   openai/clip-vit-base-patch32's shapes (benchmarks; ~600 MB of float32)

Usage: /usr/bin/python3 scripts/gen_clip_fixture.py --out DIR [--size tiny|base] [--reference]
"""
import argparse
import collections
import json
import math
import os
import sys
import unicodedata

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_model_fixtures import WHITE_SPACE, write_safetensors  # noqa: E402

SIZES = {
    "tiny": dict(text=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=20),
                 vision=dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=96, image_size=64, patch_size=16),
                 projection_dim=24, merges=300),
    "base": dict(text=dict(hidden_size=512, num_hidden_layers=12, num_attention_heads=8,
                           intermediate_size=2048, max_position_embeddings=77),
                 vision=dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                             intermediate_size=3072, image_size=224, patch_size=32),
                 projection_dim=512, merges=300, vocab_size=49408),
}

CORPUS = """The quick brown fox jumps over the lazy dog. A photo of a cat, a photo of a dog.
Revenue for the third quarter grew in the East region; the West region's sales were flat.
Scanned pages, tables and slides are indexed with their captions and surrounding text.
It's what they'll do: we've seen it, I'm sure you'd agree. 3 cats, 12 dogs and 2024 birds!
Images of charts: bar chart, line chart, pie chart. 图片 表格 扫描 页面 你好 世界"""

# ---------------------------------------------------------------------------------------------
# Tokenizer: CLIP's normalization, split pattern and byte-level BPE with "</w>"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHARS = bytes_to_unicode()


def is_space(c):
    return ord(c) in WHITE_SPACE


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def normalize(text):
    text = unicodedata.normalize("NFC", text)
    out, in_space = [], False
    for c in text:
        if is_space(c):
            if not in_space:
                out.append(" ")
            in_space = True
        else:
            out.append(c)
            in_space = False
    return "".join(out).lower()


def split_pieces(s):
    specials = ["<|startoftext|>", "<|endoftext|>"]
    contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
    pieces, i = [], 0
    while i < len(s):
        n = 0
        for p in specials + contractions:
            if s.startswith(p, i):
                n = len(p)
                break
        if n == 0 and is_letter(s[i]):
            while i + n < len(s) and is_letter(s[i + n]):
                n += 1
        elif n == 0 and is_number(s[i]):
            n = 1
        elif n == 0 and not is_space(s[i]):
            while i + n < len(s) and not (is_space(s[i + n]) or is_letter(s[i + n])
                                          or is_number(s[i + n])):
                n += 1
        if n == 0:
            i += 1
            continue
        pieces.append(s[i:i + n])
        i += n
    return pieces


def word_symbols(piece):
    syms = [BYTE_CHARS[b] for b in piece.encode("utf-8")]
    syms[-1] += "</w>"
    return syms


def learn_merges(corpus, count):
    words = collections.Counter(tuple(word_symbols(p)) for p in split_pieces(normalize(corpus)))
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for w, f in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += f
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        merged = collections.Counter()
        for w, f in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] += f
        words = merged
    return merges


def build_vocab(merges):
    chars = list(BYTE_CHARS.values())
    tokens = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {}
    for t in tokens:
        vocab.setdefault(t, len(vocab))
    return vocab


def bpe(piece, ranks):
    syms = word_symbols(piece)
    while len(syms) > 1:
        cands = [(ranks[(a, b)], i) for i, (a, b) in enumerate(zip(syms, syms[1:]))
                 if (a, b) in ranks]
        if not cands:
            break
        best = min(cands)[0]
        pair = [k for k, v in ranks.items() if v == best][0]
        out, i = [], 0
        while i < len(syms):
            if i + 1 < len(syms) and (syms[i], syms[i + 1]) == pair:
                out.append(syms[i] + syms[i + 1])
                i += 2
            else:
                out.append(syms[i])
                i += 1
        syms = out
    return syms


def encode(text, vocab, ranks, max_len):
    ids = []
    for p in split_pieces(normalize(text)):
        ids += [vocab.get(s, vocab["<|endoftext|>"]) for s in bpe(p, ranks)]
    ids = ids[:max_len - 2]
    return [vocab["<|startoftext|>"]] + ids + [vocab["<|endoftext|>"]]


# ---------------------------------------------------------------------------------------------
# Weights and the forward pass (transformers' CLIPModel, written out)


def tower_shapes(prefix, c):
    h, i = c["hidden_size"], c["intermediate_size"]
    s = {}
    for l in range(c["num_hidden_layers"]):
        p = f"{prefix}encoder.layers.{l}."
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            s[p + f"self_attn.{n}.weight"] = (h, h)
            s[p + f"self_attn.{n}.bias"] = (h,)
        for n in ("layer_norm1", "layer_norm2"):
            s[p + n + ".weight"] = (h,)
            s[p + n + ".bias"] = (h,)
        s[p + "mlp.fc1.weight"] = (i, h)
        s[p + "mlp.fc1.bias"] = (i,)
        s[p + "mlp.fc2.weight"] = (h, i)
        s[p + "mlp.fc2.bias"] = (h,)
    return s


def all_shapes(cfg):
    t, v = cfg["text_config"], cfg["vision_config"]
    th, vh, p = t["hidden_size"], v["hidden_size"], v["patch_size"]
    n = (v["image_size"] // p) ** 2 + 1
    s = {
        "text_model.embeddings.token_embedding.weight": (t["vocab_size"], th),
        "text_model.embeddings.position_embedding.weight": (t["max_position_embeddings"], th),
        "text_model.final_layer_norm.weight": (th,),
        "text_model.final_layer_norm.bias": (th,),
        "text_projection.weight": (cfg["projection_dim"], th),
        "vision_model.embeddings.class_embedding": (vh,),
        "vision_model.embeddings.patch_embedding.weight": (vh, 3, p, p),
        "vision_model.embeddings.position_embedding.weight": (n, vh),
        "vision_model.pre_layrnorm.weight": (vh,),
        "vision_model.pre_layrnorm.bias": (vh,),
        "vision_model.post_layernorm.weight": (vh,),
        "vision_model.post_layernorm.bias": (vh,),
        "visual_projection.weight": (cfg["projection_dim"], vh),
    }
    s.update(tower_shapes("text_model.", t))
    s.update(tower_shapes("vision_model.", v))
    return s


def random_weights(cfg, gen):
    w = {}
    for name, shape in all_shapes(cfg).items():
        fan_in = shape[1] if len(shape) == 2 else (3 * shape[2] * shape[3] if len(shape) == 4
                                                    else 1)
        if "norm" in name and name.endswith("weight"):
            w[name] = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith("bias"):
            w[name] = 0.05 * torch.randn(shape, generator=gen)
        elif "embedding" in name:
            w[name] = 0.5 * torch.randn(shape, generator=gen)
        else:
            w[name] = torch.randn(shape, generator=gen) / math.sqrt(fan_in)
    w["logit_scale"] = torch.tensor(2.6592)
    return w


def encoder(W, prefix, c, x, causal):
    """x: [L, H] of one sequence."""
    h, nh = c["hidden_size"], c["num_attention_heads"]
    hd, eps, L = h // nh, c["layer_norm_eps"], x.shape[0]
    mask = torch.triu(torch.full((L, L), float("-inf"), dtype=x.dtype), 1) if causal else 0
    for l in range(c["num_hidden_layers"]):
        p = f"{prefix}encoder.layers.{l}."
        g = lambda n: W[p + n]
        lin = lambda t, n: F.linear(t, g(n + ".weight"), g(n + ".bias"))
        r = F.layer_norm(x, (h,), g("layer_norm1.weight"), g("layer_norm1.bias"), eps)
        q = (lin(r, "self_attn.q_proj") * hd ** -0.5).view(L, nh, hd).transpose(0, 1)
        k = lin(r, "self_attn.k_proj").view(L, nh, hd).transpose(0, 1)
        v = lin(r, "self_attn.v_proj").view(L, nh, hd).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) + mask, -1) @ v
        x = x + lin(a.transpose(0, 1).reshape(L, h), "self_attn.out_proj")
        r = F.layer_norm(x, (h,), g("layer_norm2.weight"), g("layer_norm2.bias"), eps)
        m = lin(r, "mlp.fc1")
        m = m * torch.sigmoid(1.702 * m)
        x = x + lin(m, "mlp.fc2")
    return x


def text_features(W, cfg, ids):
    t = cfg["text_config"]
    ids_t = torch.tensor(ids)
    x = W["text_model.embeddings.token_embedding.weight"][ids_t] + \
        W["text_model.embeddings.position_embedding.weight"][:len(ids)]
    x = encoder(W, "text_model.", t, x, causal=True)
    x = F.layer_norm(x, (t["hidden_size"],), W["text_model.final_layer_norm.weight"],
                     W["text_model.final_layer_norm.bias"], t["layer_norm_eps"])
    pooled = x[int(ids_t.argmax())]  # eos_token_id 2: the legacy argmax pooling
    return F.linear(pooled, W["text_projection.weight"])


def image_features(W, cfg, pixels):
    """pixels: [B, 3, S, S] -> [B, projection_dim]."""
    v = cfg["vision_config"]
    h, p = v["hidden_size"], v["patch_size"]
    patches = F.conv2d(pixels, W["vision_model.embeddings.patch_embedding.weight"], stride=p)
    patches = patches.flatten(2).transpose(1, 2)
    out = []
    for b in range(pixels.shape[0]):
        x = torch.cat([W["vision_model.embeddings.class_embedding"][None], patches[b]], 0)
        x = x + W["vision_model.embeddings.position_embedding.weight"]
        x = F.layer_norm(x, (h,), W["vision_model.pre_layrnorm.weight"],
                         W["vision_model.pre_layrnorm.bias"], v["layer_norm_eps"])
        x = encoder(W, "vision_model.", v, x, causal=False)
        pooled = F.layer_norm(x[0], (h,), W["vision_model.post_layernorm.weight"],
                              W["vision_model.post_layernorm.bias"], v["layer_norm_eps"])
        out.append(F.linear(pooled, W["visual_projection.weight"]))
    return torch.stack(out)


# ---------------------------------------------------------------------------------------------
# CLIPImageProcessor, written out: Pillow bicubic resize of the shorter side, center crop,
# rescale in float64 -> float32, normalize in float32.

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def preprocess(path, size, crop):
    from PIL import Image
    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    img = img.resize((nw, nh), resample=Image.BICUBIC)
    a = np.asarray(img)
    top, left = (nh - crop) // 2, (nw - crop) // 2
    a = a[top:top + crop, left:left + crop]
    a = (a.astype(np.float64) * (1 / 255)).astype(np.float32)
    a = (a - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return a.transpose(2, 0, 1)  # channels first


def make_images(out_dir):
    """Three RGB images of different shapes and codecs; returns their file names."""
    from PIL import Image, ImageDraw
    rng = np.random.default_rng(7)
    names = []
    for name, (w, h) in (("wide.png", (97, 61)), ("tall.jpg", (50, 120)),
                         ("square.png", (64, 64))):
        a = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        img = Image.fromarray(a, "RGB")
        d = ImageDraw.Draw(img)
        d.rectangle([w // 5, h // 4, w // 2, h // 2], fill=(250, 20, 30))
        d.ellipse([w // 2, h // 2, w - 2, h - 2], fill=(10, 200, 90))
        path = os.path.join(out_dir, name)
        img.save(path, quality=90) if name.endswith(".jpg") else img.save(path)
        names.append(name)
    return names


TEXTS = ["a photo of a cat", "The QUICK  brown fox's tail!!", "Revenue, East region: 4,210",
         "图片 与 表格", "", "x" * 3 + " photo" * 40]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", choices=sorted(SIZES), default="tiny")
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    spec = SIZES[args.size]

    merges = learn_merges(CORPUS, spec["merges"])
    vocab = build_vocab(merges)
    ranks = {m: i for i, m in enumerate(merges)}
    tcfg = dict(spec["text"], vocab_size=spec.get("vocab_size", len(vocab)),
                hidden_act="quick_gelu", layer_norm_eps=1e-5, eos_token_id=2, bos_token_id=0,
                pad_token_id=1, model_type="clip_text_model")
    vcfg = dict(spec["vision"], num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5,
                model_type="clip_vision_model")
    cfg = {"architectures": ["CLIPModel"], "model_type": "clip",
           "projection_dim": spec["projection_dim"], "logit_scale_init_value": 2.6592,
           "text_config": tcfg, "vision_config": vcfg}
    size = vcfg["image_size"]
    pre = {"crop_size": {"height": size, "width": size}, "do_center_crop": True,
           "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
           "image_mean": MEAN, "image_std": STD, "image_processor_type": "CLIPImageProcessor",
           "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": size}}
    max_len = tcfg["max_position_embeddings"]
    tok_cfg = {"model_max_length": max_len, "do_lower_case": True,
               "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
               "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
               "tokenizer_class": "CLIPTokenizer"}
    merge_lines = [" ".join(m) for m in merges]
    tokenizer = {
        "version": "1.0",
        "added_tokens": [{"id": vocab[t], "content": t, "special": True, "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": True}
                         for t in ("<|startoftext|>", "<|endoftext|>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|"
                                          "'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|"
                                          "[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing",
                           "sep": ["<|endoftext|>", vocab["<|endoftext|>"]],
                           "cls": ["<|startoftext|>", vocab["<|startoftext|>"]],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>",
                  "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "fuse_unk": False, "vocab": vocab, "merges": merge_lines},
    }
    files = {"config.json": cfg, "preprocessor_config.json": pre,
             "tokenizer_config.json": tok_cfg, "tokenizer.json": tokenizer, "vocab.json": vocab}
    for name, obj in files.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merge_lines) + "\n")

    gen = torch.Generator().manual_seed(args.seed)
    W = random_weights(cfg, gen)
    write_safetensors(os.path.join(args.out, "model.safetensors"), W)
    if not args.reference:
        return

    W64 = {k: v.to(torch.float64) for k, v in W.items()}
    ref = {"texts": [], "images": []}
    with torch.no_grad():
        for t in TEXTS:
            ids = encode(t, vocab, ranks, max_len)
            ref["texts"].append({"text": t, "ids": ids,
                                 "features": text_features(W64, cfg, ids).tolist()})
        for name in make_images(args.out):
            px = preprocess(os.path.join(args.out, name), size, size)
            feats = image_features(W64, cfg, torch.from_numpy(px[None]).to(torch.float64))
            ref["images"].append({"file": name, "pixels": px.reshape(-1).tolist(),
                                  "features": feats[0].tolist()})
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
