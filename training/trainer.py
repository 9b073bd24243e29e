#!/usr/bin/env python3
"""LoRA training on tasksynth's engine-tokens export, resumable from its last checkpoint.

Reads JSONL lines {"input_ids": [...], "labels": [...]} (labels -100 where no loss is taken: the prompt), loads the
base model from its GGUF file as float weights (transformers reads GGUF), trains a LoRA adapter with the loss on the
labelled tokens only, and saves checkpoints into --out. Run again with the same --out and it resumes from the newest
checkpoint: same data order, optimizer state and random state, so a resumed run takes the steps a whole run would.

Progress goes to stdout as one JSON object per line (the worker's activity heartbeats them); errors to stderr,
naming what is wrong and where, with a non-zero exit.

Safety of the output directory:
- one writer: an exclusive, non-blocking flock on OUT/.writer.lock for the process's lifetime (the kernel drops it
  when the process dies, however it dies);
- no orphan: the process asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so a killed
  worker takes its trainer with it;
- checkpoints are written to a temporary directory and renamed into place: a crash never leaves half of one.
"""
from __future__ import annotations

import argparse
import ctypes
import fcntl
import json
import math
import os
import random
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # the libraries' progress bars; progress is the JSON lines

EXIT_BAD_INPUT = 2
EXIT_LOCKED = 3
IGNORED = -100


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    print(f"trainer: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def die_with_parent() -> None:
    """SIGKILL this process when the process that started it dies (Linux)."""
    parent = os.environ.get("TASKSYNTH_PARENT_PID")
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except OSError:
        pass
    # The parent may have died before prctl took effect: then we were re-parented already.
    if parent and os.getppid() != int(parent):
        fail(f"the process that started the trainer ({parent}) is gone", 1)


def lock_output(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    handle = open(out / ".writer.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        fail(f"{out} has a writer already ({holder}): one trainer per checkpoint directory", EXIT_LOCKED)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle  # kept open: the lock lives as long as the process


def read_examples(path: Path, max_tokens: int) -> tuple[list[dict], int]:
    if not path.is_file():
        fail(f"--data {path}: no such file")
    examples: list[dict] = []
    too_long = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                fail(f"{where}: not JSON ({error.msg})")
            ids, labels = row.get("input_ids") if isinstance(row, dict) else None, row.get("labels") if isinstance(row, dict) else None
            if not isinstance(ids, list) or not isinstance(labels, list):
                fail(f"{where}: needs the lists input_ids and labels")
            if len(ids) != len(labels) or len(ids) < 2:
                fail(f"{where}: input_ids ({len(ids)}) and labels ({len(labels)}) must have the same length, at least 2")
            if not all(isinstance(t, int) and t >= 0 for t in ids) or not all(isinstance(t, int) and (t >= 0 or t == IGNORED) for t in labels):
                fail(f"{where}: token ids must be non-negative integers, labels the same or {IGNORED}")
            if all(t == IGNORED for t in labels[1:]):
                fail(f"{where}: no labelled token (every label after the first is {IGNORED})")
            if len(ids) > max_tokens:
                too_long += 1
                continue
            examples.append({"input_ids": ids, "labels": labels})
    if not examples:
        fail(f"--data {path}: no example of at most {max_tokens} tokens")
    return examples, too_long


def epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    order = list(range(count))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return order


def latest_checkpoint(out: Path) -> Path | None:
    done = sorted(p for p in (out / "checkpoints").glob("step-*") if p.is_dir() and not p.name.endswith(".tmp"))
    return done[-1] if done else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the base model's GGUF file")
    parser.add_argument("--data", type=Path, required=True, help="engine-tokens JSONL")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint and output directory (one writer)")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0: epochs decide)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32.0)
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=2048, help="longer examples are left out (and counted)")
    parser.add_argument("--save-every", type=int, default=10, help="optimizer steps between checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: every core)")
    args = parser.parse_args()

    die_with_parent()
    for name in ("epochs", "lr", "alpha"):
        if not getattr(args, name) > 0:
            fail(f"--{name} must be positive")
    if args.max_steps < 0:
        fail("--max-steps must be 0 (the epochs decide) or more")
    for name in ("rank", "grad_accum", "max_tokens", "save_every"):
        if getattr(args, name) < 1:
            fail(f"--{name.replace('_', '-')} must be at least 1")
    if not args.base.is_file():
        fail(f"--base {args.base}: no such file")
    lock = lock_output(args.out)
    examples, too_long = read_examples(args.data, args.max_tokens)

    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    torch.manual_seed(args.seed)

    started = time.time()
    base = AutoModelForCausalLM.from_pretrained(
        str(args.base.parent), gguf_file=args.base.name, dtype=torch.float32
    )
    # Transformers marks a model read from GGUF as quantized; the float weights it made are not, and the marker
    # stops the config from saving. The conversion to a GGUF adapter reads this config.
    if hasattr(base.config, "quantization_config"):
        delattr(base.config, "quantization_config")
    # The converter picks its model class by the config's architecture, which a config made from GGUF lacks.
    if not getattr(base.config, "architectures", None):
        base.config.architectures = [type(base).__name__]
    base_config_dir = args.out / "base-config"
    if not (base_config_dir / "config.json").is_file():
        tmp = args.out / "base-config.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        base.config.save_pretrained(tmp)
        os.replace(tmp, base_config_dir)
    emit("loaded", seconds=round(time.time() - started, 1), examples=len(examples), too_long=too_long)

    steps_per_epoch = math.ceil(len(examples) / args.grad_accum)
    total_steps = args.max_steps or max(1, math.ceil(steps_per_epoch * args.epochs))

    resume = latest_checkpoint(args.out)
    if resume:
        model = PeftModel.from_pretrained(base, str(resume / "adapter"), is_trainable=True)
    else:
        lora = LoraConfig(
            r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        )
        model = get_peft_model(base, lora)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1.0 - s / total_steps))

    step, losses, seconds = 0, [], 0.0
    if resume:
        state = torch.load(resume / "state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        step, losses, seconds = state["step"], state["losses"], state.get("seconds", 0.0)
        emit("resumed", step=step, checkpoint=str(resume))
    emit("start", total_steps=total_steps, steps_per_epoch=steps_per_epoch, examples=len(examples),
         label_tokens=sum(sum(1 for t in e["labels"][1:] if t != IGNORED) for e in examples))

    def checkpoint() -> None:
        folder = args.out / "checkpoints"
        final = folder / f"step-{step:06d}"
        tmp = folder / f"step-{step:06d}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        model.save_pretrained(str(tmp / "adapter"))
        torch.save({"optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "torch_rng": torch.get_rng_state(), "step": step, "losses": losses, "seconds": seconds}, tmp / "state.pt")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for old in sorted(p for p in folder.glob("step-*") if p.is_dir() and not p.name.endswith(".tmp"))[:-2]:
            shutil.rmtree(old, ignore_errors=True)
        emit("checkpoint", step=step, path=str(final))

    orders: dict[int, list[int]] = {}

    def example_at(position: int) -> dict:
        """The example at a position of the whole run: epoch after epoch, each in its own shuffled order."""
        epoch, within = divmod(position, len(examples))
        if epoch not in orders:
            orders[epoch] = epoch_order(len(examples), args.seed, epoch)
        return examples[orders[epoch][within]]

    while step < total_steps:
        epoch = step * args.grad_accum // len(examples)
        t0 = time.time()
        optimizer.zero_grad()
        total, tokens = 0.0, 0
        for k in range(args.grad_accum):
            e = example_at(step * args.grad_accum + k)
            ids = torch.tensor([e["input_ids"]])
            labels = torch.tensor([e["labels"]])
            # Float32 throughout: on a CPU without native bf16, autocast to bf16 measured 20x slower here.
            loss = model(input_ids=ids, labels=labels).loss
            (loss / args.grad_accum).backward()
            total += loss.item() / args.grad_accum
            tokens += ids.shape[1]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        seconds += time.time() - t0
        losses.append(round(total, 5))
        emit("step", step=step, total_steps=total_steps, epoch=epoch, loss=round(total, 5), tokens=tokens,
             seconds=round(time.time() - t0, 3))
        if step % args.save_every == 0 or step == total_steps:
            checkpoint()

    final = args.out / "adapter-hf"
    tmp = args.out / "adapter-hf.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    (args.out / "losses.json").write_text(json.dumps(losses))
    emit("done", steps=step, adapter=str(final), base_config=str(base_config_dir), losses=losses,
         train_seconds=round(seconds, 1))
    lock.close()


if __name__ == "__main__":
    main()
