#!/usr/bin/env python3
"""A deliberately weak draft for speed checks (issue 20): a copy of a draft model whose output
projection gets seeded noise, so it agrees with its target far less often while keeping the same
vocabulary and cost. `--noise` is the noise's size relative to the weights' own RMS.

    /usr/bin/python3 scripts/make-weak-draft.py test/models/code-pair/code-draft.gguf .cache/weak-draft.gguf --noise 1.5
"""
import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "device"))
from pad_gguf import read_gguf, write_gguf, T_F16, T_F32  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--noise", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    version, kv, tensors, alignment = read_gguf(args.input)
    rng = random.Random(args.seed)
    names = {name for name, _, _, _ in tensors}
    target = "output.weight" if "output.weight" in names else "token_embd.weight"
    for entry in tensors:
        name, dims, ttype, blob = entry
        if name != target:
            continue
        fmt, size = ("<e", 2) if ttype == T_F16 else ("<f", 4)
        count = len(blob) // size
        values = struct.unpack(f"<{count}{fmt[1]}", blob)
        rms = (sum(v * v for v in values) / count) ** 0.5
        noisy = [v + rng.gauss(0, args.noise * rms) for v in values]
        entry[3] = struct.pack(f"<{count}{fmt[1]}", *noisy)
        print(f"{name}: {count} values, rms {rms:.4f}, noise {args.noise} x rms")
    for entry in kv:
        if entry[0] == "general.name":
            entry[2] = entry[2] + b" (weakened)"
    write_gguf(args.output, version, kv, tensors, alignment)


if __name__ == "__main__":
    main()
