#!/usr/bin/env python3
"""FIM tasks for scripts/device/cuda_speed.py: code held out from the models' corpora
(node_modules/vscode-jsonrpc/lib/common/*.js, the bench's held-out set), cut at a line start in the
middle of each file; prefix up to 1 500 characters, suffix from three lines further, up to 400.
Prompts use the PSM layout with the FIM tokens' text, which llama-server's /tokenize turns into the
special tokens (parse_special).

    python3 scripts/device/make_tasks.py node_modules/vscode-jsonrpc/lib/common .cache/device/tasks.json
"""
import json
import os
import sys

folder, out = sys.argv[1], sys.argv[2]
tasks = []
for name in sorted(os.listdir(folder)):
    if not name.endswith(".js"):
        continue
    text = open(os.path.join(folder, name), encoding="utf-8").read().replace("\r\n", "\n")
    lines = text.split("\n")
    if len(lines) < 40:
        continue
    for fraction in (0.45, 0.7):
        cut = int(len(lines) * fraction)
        while cut < len(lines) - 4 and not lines[cut].strip():
            cut += 1
        prefix = "\n".join(lines[:cut]) + "\n"
        indent = lines[cut][:len(lines[cut]) - len(lines[cut].lstrip())]
        prefix = (prefix + indent)[-1500:]
        suffix = "\n".join(lines[cut + 3:])[:400]
        tasks.append({"file": name, "line": cut + 1, "prompt": f"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"})
tasks = tasks[:16]
with open(out, "w") as handle:
    json.dump(tasks, handle, indent=1)
print(f"{len(tasks)} tasks -> {out}")
