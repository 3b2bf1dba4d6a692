#!/usr/bin/env python3
"""Speculative decoding with llama.cpp built for CUDA: the ratios Specula's bench measures on a CPU,
measured on an NVIDIA GPU (issue 20, item 6).

Runs on the GPU machine (Python standard library only; no node there). For one target/draft pair:
  1. the batch-cost curve: `llama-batched-bench`, one sequence, prompt batches of 1…64 tokens (what a
     verify of k drafted tokens costs next to one token);
  2. llama-server in four modes, one process each, all layers on the GPU: target alone, `-md` draft
     model, `--spec-type ngram-mod`, both; the same FIM tasks (held-out code, tokenized by the server),
     greedy, tokens/s from the server's own timings (as src/bench/LlamaServerPeer.ts counts them:
     predicted_ms plus the eval of the last prompt token), acceptance from draft_n/draft_n_accepted,
     and every mode's tokens compared with the target alone's.
Writes results JSON and a Markdown summary to --out.

    python3 cuda_speed.py --bin BUILD/bin --target T.gguf --draft D.gguf --tasks tasks.json --out DIR --label NAME
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

MODES = [
    ("target alone", []),
    ("-md draft", ["--spec-type", "draft-simple"]),
    ("ngram-mod", ["--spec-type", "ngram-mod"]),
    ("-md + ngram-mod", ["--spec-type", "draft-simple,ngram-mod"]),
]


def log(message):
    print(f"[cuda_speed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(port, path, body, timeout=120):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def wait_healthy(port, process, deadline_s=120):
    started = time.time()
    while time.time() - started < deadline_s:
        if process.poll() is not None:
            raise RuntimeError(f"llama-server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError("llama-server did not become healthy")


def batch_costs(bin_dir, model, out_dir, label, ngl):
    args = [os.path.join(bin_dir, "llama-batched-bench"), "-m", model, "-c", "4096", "-b", "2048", "-ub", "512",
            "-npp", "1,2,4,8,16,32,64", "-ntg", "1", "-npl", "1", "-ngl", str(ngl), "-fa", "off"]
    log(" ".join(args))
    result = subprocess.run(args, capture_output=True, text=True, timeout=240)
    with open(os.path.join(out_dir, f"batched-bench-{label}.txt"), "w") as handle:
        handle.write(result.stdout + "\n--- stderr ---\n" + result.stderr[-4000:])
    costs = {}
    for line in result.stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].isdigit():
            # | PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | ...
            costs[int(cells[0])] = float(cells[4]) * 1000
    log(f"{label}: batch costs (ms) {costs}")
    return costs


def run_mode(bin_dir, target, draft, mode_args, tasks, max_tokens, ngl):
    port = free_port()
    args = [os.path.join(bin_dir, "llama-server"), "--model", target, "--host", "127.0.0.1", "--port", str(port),
            "--ctx-size", "4096", "--parallel", "1", "--batch-size", "512", "--flash-attn", "off",
            "--n-gpu-layers", str(ngl), "--no-webui"]
    if "draft-simple" in " ".join(mode_args):
        args += ["--model-draft", draft, "--gpu-layers-draft", str(ngl)]
    args += mode_args
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, process)
        runs = []
        for index, task in enumerate(tasks):
            prompt = post(port, "/tokenize", {"content": task["prompt"], "add_special": False, "parse_special": True})["tokens"]
            body = {"n_predict": max_tokens, "samplers": ["top_k"], "top_k": 1, "temperature": 0, "cache_prompt": True,
                    "return_tokens": True, "stream": False}
            post(port, "/completion", dict(body, prompt=prompt[:-1], n_predict=1))
            answer = post(port, "/completion", dict(body, prompt=prompt))
            timings = answer.get("timings", {})
            tokens = answer.get("tokens", [])
            runs.append({
                "task": index,
                "tokens": tokens,
                "ms": float(timings.get("predicted_ms", 0)) + float(timings.get("prompt_ms", 0)),
                "draft_n": int(timings.get("draft_n", 0) or 0),
                "draft_n_accepted": int(timings.get("draft_n_accepted", 0) or 0),
            })
        return runs
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        tail = process.stderr.read()[-3000:] if process.stderr else ""
        if process.returncode not in (0, -15, None):
            log(f"server stderr tail: {tail}")


def speed_table(bin_dir, target, draft, tasks, max_tokens, ngl, rounds):
    """Each mode `rounds` times, interleaved (mode order rotates), totals per mode."""
    totals = {name: {"ms": 0.0, "tokens": 0, "draft_n": 0, "draft_n_accepted": 0, "mismatches": 0} for name, _ in MODES}
    reference = None
    for round_index in range(rounds):
        order = MODES[round_index % len(MODES):] + MODES[:round_index % len(MODES)]
        results = {}
        for name, mode_args in order:
            log(f"round {round_index + 1}: {name}")
            results[name] = run_mode(bin_dir, target, draft, mode_args, tasks, max_tokens, ngl)
        if reference is None:
            reference = [run["tokens"] for run in results["target alone"]]
        for name, runs in results.items():
            row = totals[name]
            for run, expected in zip(runs, reference):
                row["ms"] += run["ms"]
                row["tokens"] += len(run["tokens"])
                row["draft_n"] += run["draft_n"]
                row["draft_n_accepted"] += run["draft_n_accepted"]
                row["mismatches"] += int(run["tokens"] != expected)
    base = totals["target alone"]["tokens"] / max(totals["target alone"]["ms"], 1e-9) * 1000
    rows = []
    for name, _ in MODES:
        row = totals[name]
        tps = row["tokens"] / max(row["ms"], 1e-9) * 1000
        rows.append({"mode": name, "tokens_per_s": tps, "vs_target": tps / base if base else 0,
                     "acceptance": row["draft_n_accepted"] / row["draft_n"] if row["draft_n"] else None,
                     "mismatches": row["mismatches"], "tokens": row["tokens"]})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--draft", required=True)
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ngl", type=int, default=99)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(args.tasks) as handle:
        tasks = json.load(handle)
    result = {"label": args.label, "target": os.path.basename(args.target), "draft": os.path.basename(args.draft),
              "tasks": len(tasks), "max_tokens": args.max_tokens, "ngl": args.ngl}
    for key, model in (("target_batch_ms", args.target), ("draft_batch_ms", args.draft)):
        try:
            result[key] = batch_costs(args.bin, model, args.out, f"{args.label}-{key.split('_')[0]}", args.ngl)
        except Exception as error:  # keep going: the speed table matters more
            log(f"batch costs failed: {error}")
    try:
        result["modes"] = speed_table(args.bin, args.target, args.draft, tasks, args.max_tokens, args.ngl, args.rounds)
    except Exception as error:
        log(f"speed table failed: {error}")
        result["error"] = str(error)
    with open(os.path.join(args.out, f"cuda-speed-{args.label}.json"), "w") as handle:
        json.dump(result, handle, indent=1)
    lines = [f"### {args.label}: {result['target']} / {result['draft']}, {len(tasks)} tasks × {args.max_tokens} tokens, all layers on the GPU", ""]
    for key in ("target_batch_ms", "draft_batch_ms"):
        if key in result:
            lines.append(f"- {key}: " + ", ".join(f"{k} tok {v:.2f} ms" for k, v in sorted(result[key].items())))
    lines += ["", "| mode | tok/s | × target alone | acceptance | outputs differing |", "|---|---|---|---|---|"]
    for row in result.get("modes", []):
        acceptance = "–" if row["acceptance"] is None else f"{row['acceptance'] * 100:.1f} %"
        lines.append(f"| {row['mode']} | {row['tokens_per_s']:.1f} | {row['vs_target']:.2f}× | {acceptance} | {row['mismatches']} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, f"cuda-speed-{args.label}.md"), "w") as handle:
        handle.write(text)
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
