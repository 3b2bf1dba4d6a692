#!/usr/bin/python3
"""Trains Specula's code pair: two small llama-architecture models on real code, written as GGUF.

Two steps:

  prepare  (CPU, this repository's machine; needs Debian's python3-regex)
           corpus (JS/TS from node_modules, Python, C/C++; filtered, deduplicated, held-out sets kept
           apart), a byte-level BPE tokenizer with Qwen2.5-Coder's special tokens, and the training
           stream pre-tokenized with fill-in-the-middle examples, written to .cache/code-pair-data/
           (train.u16.zlib, heldout.u16, tokenizer.json, meta.json).

  train    (GPU or CPU; needs only torch and the standard library) reads that folder and runs, each
           phase on a wall-clock budget of its own, each writing its outputs as soon as it ends:
             target     llama, AdamW, cosine schedule over the budget, bf16 autocast on CUDA
             draft      same vocabulary, distilled from the target's logits (KL)
             next-edit  optional: a copy of the target fine-tuned on --next-edit-data
                        (JSON lines {"prompt", "completion"}; loss on the completion only)
             eval       held-out losses, teacher-forced draft/target agreement, greedy samples,
                        reference.json (PyTorch's argmax, which test/fixtures/codePair.test.ts
                        checks llama.cpp reproduces from the GGUF files)
           A phase that fails is logged and the next one still runs.

    apt-get install -y python3-torch python3-regex libopenblas0-openmp
    /usr/bin/python3 scripts/train-code-pair.py prepare
    python3 scripts/train-code-pair.py train --device cuda --out OUT     # see scripts/device/train-code-pair.sh
    /usr/bin/python3 scripts/train-code-pair.py train --device cpu --out .cache/code-pair-train/tiny --tiny
"""

import argparse
import json
import math
import os
import random
import struct
import sys
import time
import traceback
import zlib
from array import array

sys.dont_write_bytecode = True  # nothing written beside the script (the tree travels to the device)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from code_pair_tokenizer import (EOT, FIM_MID, FIM_PAD, FIM_PRE, FIM_SUF, FILE_SEP, REPO_NAME, SPECIALS,  # noqa: E402
                                 FIRST_MERGED_ID, Tokenizer, log)

CONTEXT_LENGTH = 2048   # the product's default contextSize
RMS_EPS = 1e-5
ROPE_BASE = 10000.0
TARGET_SHAPE = dict(name="Specula code target", n_embd=256, n_layer=7, n_head=4, n_ff=704)
DRAFT_SHAPE = dict(name="Specula code draft", n_embd=192, n_layer=3, n_head=3, n_ff=512)
NEXT_EDIT_NAME = "Specula next-edit target"


# ---------------------------------------------------------------------------------------------
# The model: llama as llama.cpp computes it (RoPE "normal": adjacent pairs; tied output)
# ---------------------------------------------------------------------------------------------

def build_model_class(torch, F):
    has_sdpa = hasattr(F, "scaled_dot_product_attention")

    def rms_norm(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * weight

    def apply_rope(x, cos, sin):
        x0, x1 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)

    class Llama(torch.nn.Module):
        def __init__(self, shape, vocab_size, seed):
            super().__init__()
            self.shape = dict(shape)
            d, ff, n_layer = shape["n_embd"], shape["n_ff"], shape["n_layer"]
            generator = torch.Generator().manual_seed(seed)

            def param(*size, std):
                return torch.nn.Parameter(torch.randn(*size, generator=generator) * std)

            self.tok_embd = param(vocab_size, d, std=0.02)
            out_std = 0.02 / math.sqrt(2 * n_layer)
            self.layers = torch.nn.ModuleList()
            for _ in range(n_layer):
                layer = torch.nn.Module()
                layer.attn_norm = torch.nn.Parameter(torch.ones(d))
                layer.wq, layer.wk, layer.wv = param(d, d, std=0.02), param(d, d, std=0.02), param(d, d, std=0.02)
                layer.wo = param(d, d, std=out_std)
                layer.ffn_norm = torch.nn.Parameter(torch.ones(d))
                layer.gate, layer.up = param(ff, d, std=0.02), param(ff, d, std=0.02)
                layer.down = param(d, ff, std=out_std)
                self.layers.append(layer)
            self.output_norm = torch.nn.Parameter(torch.ones(d))
            self.cache = {}
            self.use_sdpa = has_sdpa

        def tables(self, length, device):
            key = (length, str(device))
            if key not in self.cache:
                head_dim = self.shape["n_embd"] // self.shape["n_head"]
                inv = ROPE_BASE ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
                angles = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
                mask = torch.full((length, length), float("-inf")).triu(1)
                self.cache[key] = (angles.cos().float().to(device), angles.sin().float().to(device), mask.to(device))
            return self.cache[key]

        def forward(self, tokens):
            batch, length = tokens.shape
            d, heads = self.shape["n_embd"], self.shape["n_head"]
            head_dim = d // heads
            cos, sin, mask = self.tables(length, tokens.device)
            x = self.tok_embd[tokens]
            scale = 1 / math.sqrt(head_dim)
            for layer in self.layers:
                h = rms_norm(x, layer.attn_norm)
                q = (h @ layer.wq.t()).view(batch, length, heads, head_dim).transpose(1, 2)
                k = (h @ layer.wk.t()).view(batch, length, heads, head_dim).transpose(1, 2)
                v = (h @ layer.wv.t()).view(batch, length, heads, head_dim).transpose(1, 2)
                q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
                if self.use_sdpa:
                    q, k = q.to(v.dtype), k.to(v.dtype)
                    attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                else:
                    scores = torch.baddbmm(mask.expand(batch * heads, length, length),
                                           (q * scale).reshape(batch * heads, length, head_dim),
                                           k.reshape(batch * heads, length, head_dim).transpose(1, 2))
                    attended = torch.bmm(scores.softmax(-1), v.reshape(batch * heads, length, head_dim))
                attended = attended.reshape(batch, heads, length, head_dim).transpose(1, 2).reshape(batch, length, d)
                x = x + attended @ layer.wo.t()
                h = rms_norm(x, layer.ffn_norm)
                x = x + (F.silu(h @ layer.gate.t()) * (h @ layer.up.t())) @ layer.down.t()
            return rms_norm(x, self.output_norm) @ self.tok_embd.t()

        def parameter_count(self):
            return sum(p.numel() for p in self.parameters())

    return Llama


def round_to_f16_(torch, model):
    """What the GGUF file holds: matrices in F16 (norms stay F32)."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.copy_(p.half().float())


# ---------------------------------------------------------------------------------------------
# GGUF (no numpy: tensors go through Python's array module)
# ---------------------------------------------------------------------------------------------

GGUF_STRING, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL, GGUF_ARRAY = 8, 4, 5, 6, 7, 9
GGML_F32, GGML_F16 = 0, 1


def gguf_string(value):
    data = value.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_value(kind, value):
    if kind == "string":
        return struct.pack("<I", GGUF_STRING) + gguf_string(value)
    if kind == "u32":
        return struct.pack("<II", GGUF_U32, value)
    if kind == "f32":
        return struct.pack("<If", GGUF_F32, value)
    if kind == "bool":
        return struct.pack("<IB", GGUF_BOOL, 1 if value else 0)
    if kind == "string[]":
        return struct.pack("<IIQ", GGUF_ARRAY, GGUF_STRING, len(value)) + b"".join(gguf_string(v) for v in value)
    if kind == "i32[]":
        return struct.pack("<IIQ", GGUF_ARRAY, GGUF_I32, len(value)) + struct.pack(f"<{len(value)}i", *value)
    raise ValueError(kind)


def tensor_bytes(torch, tensor, kind):
    tensor = tensor.detach().to("cpu").contiguous()
    if kind == GGML_F16:
        values = array("h", tensor.to(torch.float16).view(torch.int16).flatten().tolist())
    else:
        values = array("i", tensor.to(torch.float32).view(torch.int32).flatten().tolist())
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def write_gguf(path, metadata, tensors):
    """GGUF v3: header, metadata, tensor infos, data aligned to 32 bytes. tensors: (name, dims, type, bytes)."""
    header = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata)))
    for key, (kind, value) in metadata.items():
        header += gguf_string(key) + gguf_value(kind, value)
    offset = 0
    for name, dims, kind, data in tensors:
        header += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", kind, offset)
        offset += (len(data) + 31) // 32 * 32
    header += b"\0" * ((32 - len(header) % 32) % 32)
    with open(path + ".tmp", "wb") as handle:
        handle.write(header)
        for _name, _dims, _kind, data in tensors:
            handle.write(data)
            handle.write(b"\0" * ((32 - len(data) % 32) % 32))
    os.replace(path + ".tmp", path)


def export(torch, model, tokenizer_data, path, name):
    shape = model.shape
    token_texts = tokenizer_data["tokens"]
    types = [1] * 256 + [3] * len(SPECIALS) + [1] * (len(token_texts) - FIRST_MERGED_ID)
    metadata = {
        "general.architecture": ("string", "llama"),
        "general.name": ("string", name),
        "general.file_type": ("u32", 1),
        "llama.vocab_size": ("u32", len(token_texts)),
        "llama.context_length": ("u32", CONTEXT_LENGTH),
        "llama.embedding_length": ("u32", shape["n_embd"]),
        "llama.block_count": ("u32", shape["n_layer"]),
        "llama.feed_forward_length": ("u32", shape["n_ff"]),
        "llama.attention.head_count": ("u32", shape["n_head"]),
        "llama.attention.head_count_kv": ("u32", shape["n_head"]),
        "llama.attention.layer_norm_rms_epsilon": ("f32", RMS_EPS),
        "llama.rope.dimension_count": ("u32", shape["n_embd"] // shape["n_head"]),
        "llama.rope.freq_base": ("f32", ROPE_BASE),
        "tokenizer.ggml.model": ("string", "gpt2"),
        "tokenizer.ggml.pre": ("string", "qwen2"),
        "tokenizer.ggml.tokens": ("string[]", token_texts),
        "tokenizer.ggml.token_type": ("i32[]", types),
        "tokenizer.ggml.merges": ("string[]", tokenizer_data["merges"]),
        # Qwen2.5-Coder's convention: <|endoftext|> ends a document and (here, added) starts one.
        "tokenizer.ggml.bos_token_id": ("u32", EOT),
        "tokenizer.ggml.eos_token_id": ("u32", EOT),
        "tokenizer.ggml.fim_pre_token_id": ("u32", FIM_PRE),
        "tokenizer.ggml.fim_suf_token_id": ("u32", FIM_SUF),
        "tokenizer.ggml.fim_mid_token_id": ("u32", FIM_MID),
        "tokenizer.ggml.fim_pad_token_id": ("u32", FIM_PAD),
        "tokenizer.ggml.fim_rep_token_id": ("u32", REPO_NAME),
        "tokenizer.ggml.fim_sep_token_id": ("u32", FILE_SEP),
        "tokenizer.ggml.add_bos_token": ("bool", True),
        "tokenizer.ggml.add_eos_token": ("bool", False),
    }

    def matrix(tensor_name, p):
        return (tensor_name, [p.shape[1], p.shape[0]], GGML_F16, tensor_bytes(torch, p, GGML_F16))

    def vector(tensor_name, p):
        return (tensor_name, [p.shape[0]], GGML_F32, tensor_bytes(torch, p, GGML_F32))

    tensors = [matrix("token_embd.weight", model.tok_embd), vector("output_norm.weight", model.output_norm)]
    for index, layer in enumerate(model.layers):
        prefix = f"blk.{index}."
        tensors += [
            vector(prefix + "attn_norm.weight", layer.attn_norm),
            matrix(prefix + "attn_q.weight", layer.wq),
            matrix(prefix + "attn_k.weight", layer.wk),
            matrix(prefix + "attn_v.weight", layer.wv),
            matrix(prefix + "attn_output.weight", layer.wo),
            vector(prefix + "ffn_norm.weight", layer.ffn_norm),
            matrix(prefix + "ffn_gate.weight", layer.gate),
            matrix(prefix + "ffn_up.weight", layer.up),
            matrix(prefix + "ffn_down.weight", layer.down),
        ]
    write_gguf(path, metadata, tensors)
    return os.path.getsize(path)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def load_u16(torch, path):
    with open(path, "rb") as handle:
        data = handle.read()
    if path.endswith(".zlib"):
        data = zlib.decompress(data)
    values = array("H")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    try:
        tensor = torch.frombuffer(bytearray(values.tobytes()), dtype=torch.int16).to(torch.int64) & 0xFFFF
    except (AttributeError, TypeError, ValueError):
        tensor = torch.tensor(values.tolist(), dtype=torch.int64)
    return tensor


class Run:
    """Settings and shared state of one `train` run."""

    def __init__(self, args, torch, F):
        self.args, self.torch, self.F = args, torch, F
        self.device = torch.device(args.device)
        self.cuda = self.device.type == "cuda"
        self.Llama = build_model_class(torch, F)
        self.summary = {"phases": {}, "errors": []}
        self.generator = torch.Generator(device="cpu").manual_seed(args.seed)

    def autocast(self):
        if self.cuda:
            return self.torch.autocast(device_type="cuda", dtype=self.torch.bfloat16)
        return _NullContext()

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def optimizer(self, model, lr):
        torch = self.torch
        decay = [p for p in model.parameters() if p.dim() == 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
        if self.cuda:
            try:
                return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8, fused=True)
            except (TypeError, RuntimeError):
                pass
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8)

    def random_windows(self, tokens, rows, length):
        starts = self.torch.randint(0, tokens.numel() - length - 1, (rows,), generator=self.generator)
        index = starts[:, None] + self.torch.arange(length + 1)[None, :]
        return tokens[index].to(self.device, non_blocking=True)

    def train_loop(self, label, model, budget, lr, batch_fn, loss_fn, warmup=0.03, final=0.1, check_fn=None):
        """Steps until `budget` seconds have passed; the learning rate follows the clock. With check_fn
        (held-out loss), checks every --check-every seconds and ends with the weights that scored best
        (the corpus is seen many times on a GPU: this keeps an overfitted end from being exported)."""
        torch = self.torch
        optimizer = self.optimizer(model, lr)
        model.train()
        started = time.time()
        last_log = started
        step, tokens_seen = 0, 0
        window = []
        curve = []
        checks = []
        best = None
        last_check = started
        while True:
            progress = (time.time() - started) / budget
            if progress >= 1:
                break
            factor = progress / warmup if progress < warmup else final + (1 - final) * 0.5 * (1 + math.cos(math.pi * (progress - warmup) / (1 - warmup)))
            for group in optimizer.param_groups:
                group["lr"] = lr * max(factor, 0.01)
            inputs, extra = batch_fn()
            with self.autocast():
                logits = model(inputs)
            loss = loss_fn(logits.float(), extra)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            tokens_seen += inputs.numel()
            window.append(loss.detach())
            now = time.time()
            if now - last_log >= self.args.log_every or step == 1:
                mean = float(torch.stack(window).mean())
                window = []
                elapsed = time.time() - started
                curve.append([round(elapsed, 1), step, round(mean, 4)])
                log(f"{label} step {step} loss {mean:.3f} lr {lr * factor:.2e} {tokens_seen / elapsed:,.0f} tok/s "
                    f"{elapsed:.0f}/{budget:.0f} s")
                last_log = now
            if check_fn is not None and now - last_check >= self.args.check_every:
                held_loss = check_fn(model)
                model.train()
                checks.append([round(time.time() - started, 1), step, round(held_loss, 4)])
                log(f"{label} step {step}: validation loss {held_loss:.4f}")
                if best is None or held_loss < best[0]:
                    best = (held_loss, step, {key: value.detach().clone() for key, value in model.state_dict().items()})
                last_check = time.time()
        self.sync()
        result = {}
        if check_fn is not None and best is not None:
            final_loss = check_fn(model)
            checks.append([round(time.time() - started, 1), step, round(final_loss, 4)])
            if best[0] < final_loss:
                model.load_state_dict(best[2])
                log(f"{label}: the end's validation loss {final_loss:.4f} is above step {best[1]}'s {best[0]:.4f}: keeping step {best[1]}")
                result["keptStep"] = best[1]
            result["validationChecks"] = checks
        seconds = time.time() - started
        if window:
            curve.append([round(seconds, 1), step, round(float(torch.stack(window).mean()), 4)])
        model.eval()
        log(f"{label}: {step} steps, {tokens_seen:,} tokens in {seconds:.0f} s")
        result.update({"seconds": round(seconds, 1), "steps": step, "tokens": tokens_seen, "lr": lr, "curve": curve})
        return result


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def phase(run, name, function):
    """Runs one phase; an error is logged and recorded, and the run goes on."""
    started = time.time()
    log(f"=== phase {name} ===")
    try:
        result = function()
        run.summary["phases"][name] = {"ok": True, "seconds": round(time.time() - started, 1)}
        return result
    except Exception as error:  # noqa: BLE001 - one phase's failure must not lose the others
        traceback.print_exc()
        sys.stdout.flush()
        run.summary["phases"][name] = {"ok": False, "seconds": round(time.time() - started, 1), "error": repr(error)}
        run.summary["errors"].append(f"{name}: {error!r}")
        log(f"phase {name} FAILED after {time.time() - started:.0f} s: {error!r}")
        if run.cuda:
            run.torch.cuda.empty_cache()
        return None


def write_summary(run):
    path = os.path.join(run.args.out, "training.json")
    with open(path + ".tmp", "w") as handle:
        json.dump(run.summary, handle, indent=1)
    os.replace(path + ".tmp", path)


def validation_check(run, held, meta):
    """Mean loss on the validation files (held out, not reported), at most --check-tokens of them."""
    torch, F = run.torch, run.F
    offset, length = meta["validation"]
    ids = held[offset:offset + min(length, run.args.check_tokens + 1)]
    seq = min(run.args.seq, CONTEXT_LENGTH)
    rows = [ids[start:start + seq + 1] for start in range(0, ids.numel() - 1, seq)]
    rows = [row.to(run.device)[None, :] for row in rows if row.numel() > 1]

    def check(model):
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad(), run.autocast():
            for row in rows:
                logits = model(row[:, :-1])[0].float()
                total += float(F.cross_entropy(logits, row[0, 1:], reduction="sum"))
                count += row.shape[1] - 1
        return total / count
    return check


def train_target(run, data, tokenizer_data, check):
    args, torch, F = run.args, run.torch, run.F
    torch.manual_seed(args.seed + 10)
    model = run.Llama(TARGET_SHAPE, len(tokenizer_data["tokens"]), args.seed + 10).to(run.device)
    log(f"target: {model.parameter_count() / 1e6:.2f} M parameters, {TARGET_SHAPE}")

    def batch():
        window = run.random_windows(data, args.rows, args.seq)
        return window[:, :-1], window[:, 1:]

    def loss(logits, targets):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    stats = run.train_loop("target", model, args.target_seconds, args.target_lr, batch, loss, check_fn=check)
    round_to_f16_(torch, model)
    size = export(torch, model, tokenizer_data, os.path.join(args.out, "code-target.gguf"), TARGET_SHAPE["name"])
    stats.update(parameters=model.parameter_count(), shape=TARGET_SHAPE, ggufBytes=size,
                 epochs=round(stats["tokens"] / data.numel(), 2), rows=args.rows, seq=args.seq)
    run.summary["target"] = stats
    log(f"wrote code-target.gguf ({size:,} bytes)")
    return model


def train_draft(run, data, tokenizer_data, teacher):
    args, torch, F = run.args, run.torch, run.F
    torch.manual_seed(args.seed + 20)
    model = run.Llama(DRAFT_SHAPE, len(tokenizer_data["tokens"]), args.seed + 20).to(run.device)
    log(f"draft: {model.parameter_count() / 1e6:.2f} M parameters, {DRAFT_SHAPE}; distilled from the target's logits")
    if teacher is not None:
        teacher.eval()
        for p in teacher.parameters():
            p.requires_grad_(False)

    def batch():
        window = run.random_windows(data, args.rows, args.seq)
        inputs = window[:, :-1]
        if teacher is None:
            return inputs, ("hard", window[:, 1:])
        with torch.no_grad(), run.autocast():
            teacher_logits = teacher(inputs)
        return inputs, ("soft", teacher_logits.float())

    def loss(logits, extra):
        kind, value = extra
        if kind == "hard":
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), value.reshape(-1))
        log_student = F.log_softmax(logits.reshape(-1, logits.shape[-1]), dim=-1)
        log_teacher = F.log_softmax(value.reshape(-1, value.shape[-1]), dim=-1)
        return F.kl_div(log_student, log_teacher, log_target=True, reduction="batchmean")

    stats = run.train_loop("draft", model, args.draft_seconds, args.draft_lr, batch, loss)
    round_to_f16_(torch, model)
    size = export(torch, model, tokenizer_data, os.path.join(args.out, "code-draft.gguf"), DRAFT_SHAPE["name"])
    stats.update(parameters=model.parameter_count(), shape=DRAFT_SHAPE, ggufBytes=size,
                 objective="KL(target || draft) on the target's logits" if teacher is not None else "cross-entropy (no target)")
    run.summary["draft"] = stats
    log(f"wrote code-draft.gguf ({size:,} bytes)")
    return model


def load_next_edit(path, tokenizer, limit, max_examples, seconds):
    """(prompt ids, completion ids) pairs; stops after max_examples or `seconds` of tokenizing."""
    examples, dropped = [], 0
    started = time.time()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if len(examples) >= max_examples or time.time() - started > seconds:
                log(f"next-edit: stopped reading after {len(examples)} examples ({time.time() - started:.0f} s)")
                break
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
                prompt = tokenizer.encode_with_specials(record["prompt"])
                completion = tokenizer.encode_with_specials(record["completion"]) + [EOT]
            except (ValueError, KeyError, TypeError):
                dropped += 1
                continue
            if 1 + len(prompt) + len(completion) > limit:
                dropped += 1
                continue
            examples.append(([EOT] + prompt, completion))
    return examples, dropped


def train_next_edit(run, tokenizer_data, target_path_model):
    args, torch, F = run.args, run.torch, run.F
    tokenizer = Tokenizer.load(tokenizer_data)
    started = time.time()
    examples, dropped = load_next_edit(args.next_edit_data, tokenizer, args.seq + 1, args.next_edit_max_examples, args.next_edit_read_seconds)
    log(f"next-edit: {len(examples)} examples ({dropped} dropped: unreadable or longer than {args.seq + 1} tokens), "
        f"tokenized with {tokenizer.pretokenizer} in {time.time() - started:.0f} s")
    if len(examples) < 10:
        raise RuntimeError(f"only {len(examples)} usable next-edit examples")
    rng = random.Random(args.seed + 30)
    rng.shuffle(examples)
    held = examples[: max(5, len(examples) // 20)]
    train = examples[len(held):]
    model = run.Llama(TARGET_SHAPE, len(tokenizer_data["tokens"]), 0).to(run.device)
    model.load_state_dict(target_path_model.state_dict())
    for p in model.parameters():
        p.requires_grad_(True)

    def pack(chosen):
        length = max(len(p) + len(c) for p, c in chosen)
        inputs = torch.full((len(chosen), length - 1), EOT, dtype=torch.int64)
        targets = torch.full((len(chosen), length - 1), -100, dtype=torch.int64)
        for row, (p, c) in enumerate(chosen):
            sequence = p + c
            inputs[row, : len(sequence) - 1] = torch.tensor(sequence[:-1])
            targets[row, len(p) - 1: len(sequence) - 1] = torch.tensor(c)
        return inputs.to(run.device), targets.to(run.device)

    def batch():
        rows = max(1, min(64, args.rows * args.seq // max(len(p) + len(c) for p, c in train[:64])))
        return pack([rng.choice(train) for _ in range(rows)])

    def loss(logits, targets):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)

    before = next_edit_eval(run, model, held, pack, tokenizer, greedy_count=0)
    stats = run.train_loop("next-edit", model, args.next_edit_seconds, args.next_edit_lr, batch, loss)
    round_to_f16_(torch, model)
    size = export(torch, model, tokenizer_data, os.path.join(args.out, "next-edit-target.gguf"), NEXT_EDIT_NAME)
    log(f"wrote next-edit-target.gguf ({size:,} bytes)")
    after = next_edit_eval(run, model, held, pack, tokenizer, greedy_count=args.next_edit_greedy)
    stats.update(examples=len(train), heldOutExamples=len(held), dropped=dropped, ggufBytes=size,
                 pretokenizer=tokenizer.pretokenizer, heldOutLossBefore=before["loss"], heldOut=after,
                 format="<|endoftext|> + prompt + completion + <|endoftext|>; loss on completion and the final <|endoftext|>")
    run.summary["nextEdit"] = stats
    return model


def next_edit_eval(run, model, held, pack, tokenizer, greedy_count):
    torch, F = run.torch, run.F
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(held), 8):
            inputs, targets = pack(held[start:start + 8])
            with run.autocast():
                logits = model(inputs)
            total += float(F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                           ignore_index=-100, reduction="sum"))
            count += int((targets != -100).sum())
        exact, samples = 0, []
        deadline = time.time() + run.args.next_edit_greedy_seconds
        for prompt, completion in held[:greedy_count]:
            if time.time() > deadline:
                break
            out = greedy(run, model, prompt, len(completion) + 8)
            exact += int(out == completion[:-1])
            if len(samples) < 3:
                samples.append({"expected": tokenizer.decode(completion[:-1], specials=True), "got": tokenizer.decode(out, specials=True)})
    result = {"loss": total / max(1, count), "completionTokens": count}
    if greedy_count:
        result.update(exactMatch=exact, greedyTried=min(greedy_count, len(held)), samples=samples)
    log(f"next-edit held-out: loss {result['loss']:.3f} on {count} completion tokens"
        + (f"; greedy exact {exact}/{result['greedyTried']}" if greedy_count else ""))
    return result


def greedy(run, model, prompt, count):
    torch = run.torch
    tokens = list(prompt)
    with torch.no_grad():
        for _ in range(count):
            logits = model(torch.tensor([tokens[-CONTEXT_LENGTH:]], device=next(model.parameters()).device))
            token = int(logits[0, -1].argmax())
            if token == EOT:
                break
            tokens.append(token)
    return tokens[len(prompt):]


def evaluate(run, held, meta, tokenizer_data, models):
    """reference.json first (the test needs it), then held-out losses and agreement (float32, no
    autocast), then greedy samples; each part on its own, so one failing keeps the others."""
    args, torch, F = run.args, run.torch, run.F
    if run.cuda:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    tokenizer = Tokenizer.load(tokenizer_data)

    def reference_part():
        # PyTorch's argmax on two held-out prompts, on the CPU in float32 (the F16-rounded weights the
        # GGUF files hold), for the test that checks llama.cpp computes the same.
        reference = {}
        with torch.no_grad():
            for role, model in models.items():
                cpu = run.Llama(model.shape, len(tokenizer_data["tokens"]), 0)
                cpu.load_state_dict({key: value.detach().to("cpu") for key, value in model.state_dict().items()})
                cpu.use_sdpa = False
                entries = []
                for prompt in meta["prompts"][:2]:
                    top = cpu(torch.tensor([prompt["tokens"]]))[0].topk(2, dim=-1)
                    entries.append({"tokens": prompt["tokens"], "argmax": top.indices[:, 0].tolist(),
                                    "margin": [round(float(m), 4) for m in (top.values[:, 0] - top.values[:, 1])]})
                reference[role] = entries
        with open(os.path.join(args.out, "reference.json"), "w") as handle:
            json.dump(reference, handle)
        log(f"wrote reference.json ({', '.join(reference)})")

    def held_out_part():
        results = {}
        for label, (offset, length) in meta["heldOut"].items():
            if args.eval_max_tokens:
                length = min(length, args.eval_max_tokens)
            ids = held[offset:offset + length]
            rows = [ids[start:start + CONTEXT_LENGTH + 1] for start in range(0, length - 1, CONTEXT_LENGTH)]
            losses = {role: 0.0 for role in models}
            agree, count = 0, 0
            with torch.no_grad():
                for row in rows:
                    row = row.to(run.device)[None, :]
                    argmax = {}
                    for role, model in models.items():
                        logits = model(row[:, :-1])[0].float()
                        losses[role] += float(F.cross_entropy(logits, row[0, 1:], reduction="sum"))
                        argmax[role] = logits.argmax(-1)
                    if "target" in argmax and "draft" in argmax:
                        agree += int((argmax["target"] == argmax["draft"]).sum())
                    count += row.shape[1] - 1
            results[label] = {"tokens": count, **{f"{role}Loss": losses[role] / count for role in models}}
            if "target" in models and "draft" in models:
                results[label]["teacherForcedAgreement"] = agree / count
            log(f"held-out {label}: {results[label]}")
        run.summary["heldOut"] = results
        write_summary(run)

    def samples_part():
        samples = []
        started = time.time()
        for prompt in meta["prompts"][: args.samples]:
            if time.time() - started > args.eval_seconds:
                break
            sample = {"file": prompt["file"], "prefixTail": prompt["prefix"][-120:], "suffixHead": prompt["suffix"][:60],
                      "expected": prompt["expected"]}
            for role, model in models.items():
                out = greedy(run, model, prompt["tokens"], args.sample_tokens)
                sample[role] = tokenizer.decode(out)
                sample[role + "Tokens"] = out
            samples.append(sample)
            log(f"--- {prompt['file']}: ...{prompt['prefix'][-60:]!r}\n    expected {prompt['expected']!r}\n"
                + "".join(f"    {role:6} {sample[role]!r}\n" for role in models))
        run.summary["samples"] = samples
        write_summary(run)

    phase(run, "reference", reference_part)
    phase(run, "held-out", held_out_part)
    phase(run, "samples", samples_part)


def train_main(args):
    started = time.time()
    import torch
    import torch.nn.functional as F
    os.makedirs(args.out, exist_ok=True)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda but torch.cuda.is_available() is False")
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(args.seed)
    run = Run(args, torch, F)
    with open(os.path.join(args.data, "meta.json")) as handle:
        meta = json.load(handle)
    with open(os.path.join(args.data, "tokenizer.json")) as handle:
        tokenizer_data = json.load(handle)
    data = load_u16(torch, os.path.join(args.data, "train.u16.zlib"))
    held = load_u16(torch, os.path.join(args.data, "heldout.u16"))
    device_name = torch.cuda.get_device_name(0) if run.cuda else "cpu"
    log(f"torch {torch.__version__} on {device_name}; {data.numel():,} training tokens, {held.numel():,} held-out; "
        f"vocabulary {len(tokenizer_data['tokens'])}; rows {args.rows} x {args.seq}")
    if run.cuda:
        data = data.to(run.device)  # windows are gathered on the GPU
        run.generator = torch.Generator(device=run.device).manual_seed(args.seed)

        def random_windows(tokens, rows, length):
            starts = torch.randint(0, tokens.numel() - length - 1, (rows,), generator=run.generator, device=run.device)
            return tokens[starts[:, None] + torch.arange(length + 1, device=run.device)[None, :]]
        run.random_windows = random_windows
    run.summary.update({
        "corpus": meta["corpus"], "tokenizer": meta["tokenizer"], "trainTokens": meta["trainTokens"],
        "contextLength": CONTEXT_LENGTH, "seed": args.seed, "torch": torch.__version__, "device": device_name,
        "budgets": {"target": args.target_seconds, "draft": args.draft_seconds, "nextEdit": args.next_edit_seconds,
                    "eval": args.eval_seconds},
    })
    write_summary(run)

    models = {}
    try:
        check = validation_check(run, held, meta)
    except Exception as error:  # noqa: BLE001 - train without the checks rather than not at all
        log(f"no validation checks: {error!r}")
        check = None
    target = phase(run, "target", lambda: train_target(run, data, tokenizer_data, check))
    write_summary(run)
    if target is not None:
        models["target"] = target
    draft = phase(run, "draft", lambda: train_draft(run, data, tokenizer_data, target))
    write_summary(run)
    if draft is not None:
        models["draft"] = draft
    if target is not None:
        for p in target.parameters():
            p.requires_grad_(False)
    if models:  # before next-edit: the pair's results and reference.json matter most
        phase(run, "eval", lambda: evaluate(run, held, meta, tokenizer_data, models))
        write_summary(run)
    if args.next_edit_data and os.path.exists(args.next_edit_data) and target is not None:
        phase(run, "next-edit", lambda: train_next_edit(run, tokenizer_data, target))
    else:
        log(f"next-edit: skipped (no file {args.next_edit_data!r} or no target)")
    run.summary["wallSeconds"] = round(time.time() - started, 1)
    if run.cuda:
        run.summary["gpuPeakGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    write_summary(run)
    log(f"done in {time.time() - started:.0f} s; phases {json.dumps(run.summary['phases'])}; wrote {args.out}: "
        + ", ".join(f"{name} {os.path.getsize(os.path.join(args.out, name)):,}" for name in sorted(os.listdir(args.out))))
    return 0 if not run.summary["errors"] else 1


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="corpus, tokenizer and pre-tokenized data (CPU; needs python3-regex)")
    prep.add_argument("--data", default=os.path.join(repo, ".cache", "code-pair-data"))
    prep.add_argument("--node-modules", default=os.path.join(repo, "node_modules"))
    prep.add_argument("--python-lib", default="/usr/lib/python3.11")
    prep.add_argument("--dist-packages", default="/usr/lib/python3/dist-packages")
    prep.add_argument("--gcloud", default="/usr/lib/google-cloud-sdk")
    prep.add_argument("--llama-src", default=os.path.expanduser("~/.cache/specula-llama/src-v0.4.0-r1"))
    prep.add_argument("--js-chars", type=int, default=36_000_000)
    prep.add_argument("--dts-chars", type=int, default=5_000_000)
    prep.add_argument("--py-chars", type=int, default=12_000_000, help="from the standard library")
    prep.add_argument("--py-extra-chars", type=int, default=20_000_000, help="from dist-packages and the Google Cloud SDK")
    prep.add_argument("--c-chars", type=int, default=22_000_000)
    prep.add_argument("--vocab-size", type=int, default=8192)
    prep.add_argument("--bpe-sample-chars", type=int, default=6_000_000)
    prep.add_argument("--fim-rate", type=float, default=0.5)
    prep.add_argument("--tokenizer", help="reuse this tokenizer.json (e.g. the committed models': same vocabulary) instead of training one")
    prep.add_argument("--seed", type=int, default=20240611)

    tr = sub.add_parser("train", help="train and export (torch + standard library only)")
    tr.add_argument("--data", default=os.path.join(repo, ".cache", "code-pair-data"))
    tr.add_argument("--out", required=True)
    tr.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    tr.add_argument("--threads", type=int, default=2, help="CPU threads (--device cpu)")
    tr.add_argument("--seed", type=int, default=20240611)
    tr.add_argument("--rows", type=int, default=32, help="sequences a step")
    tr.add_argument("--seq", type=int, default=CONTEXT_LENGTH, help="training sequence length")
    tr.add_argument("--target-seconds", type=float, default=200)
    tr.add_argument("--draft-seconds", type=float, default=85)
    tr.add_argument("--next-edit-seconds", type=float, default=55)
    tr.add_argument("--eval-seconds", type=float, default=40, help="greedy samples stop after this")
    tr.add_argument("--target-lr", type=float, default=2e-3)
    tr.add_argument("--draft-lr", type=float, default=3e-3)
    tr.add_argument("--next-edit-lr", type=float, default=3e-4)
    tr.add_argument("--next-edit-data", default=os.path.join(repo, ".cache", "next-edit-train.jsonl"))
    tr.add_argument("--next-edit-greedy", type=int, default=16, help="held-out next-edit examples decoded greedily")
    tr.add_argument("--next-edit-greedy-seconds", type=float, default=15)
    tr.add_argument("--next-edit-max-examples", type=int, default=20000)
    tr.add_argument("--next-edit-read-seconds", type=float, default=20, help="time allowed for tokenizing the next-edit file")
    tr.add_argument("--eval-max-tokens", type=int, default=0, help="held-out tokens evaluated per set (0: all)")
    tr.add_argument("--samples", type=int, default=8, help="greedy samples (held-out FIM prompts)")
    tr.add_argument("--sample-tokens", type=int, default=48)
    tr.add_argument("--check-every", type=float, default=30.0, help="seconds between held-out checks while training")
    tr.add_argument("--check-tokens", type=int, default=16384, help="held-out tokens a check reads")
    tr.add_argument("--log-every", type=float, default=10.0, help="seconds between progress lines")
    tr.add_argument("--tiny", action="store_true", help="a pipeline check on CPU: 2 x 128-token rows, seconds per phase")
    args = parser.parse_args()
    if args.command == "prepare":
        from code_pair_corpus import prepare
        prepare(args)
        return 0
    if args.tiny:
        args.rows, args.seq = 2, 128
        args.eval_max_tokens, args.samples, args.sample_tokens, args.next_edit_greedy = 1024, 1, 8, 2
        args.log_every = 2.0
        args.check_every, args.check_tokens = 5.0, 256
    return train_main(args)


if __name__ == "__main__":
    sys.exit(main())
