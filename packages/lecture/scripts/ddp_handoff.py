#!/usr/bin/env python3
"""The PyTorch side of the handoff test (torch-handoff/handoff.test.ts).

    ddp_handoff.py EXPORT_DIR STEPS LEARNING_RATE

EXPORT_DIR is a folder written by `recurrent export`. Loads its model.py, checks the module
against the library's held-out outputs, then trains it for STEPS Adam steps with
DistributedDataParallel over two processes (gloo backend, 127.0.0.1, a free port): every step
takes the next batch of the training split and each process computes the loss of its half; the
average DDP takes of the two gradients is the gradient of the whole batch's loss. Process 0 then saves the weights
with model.save (EXPORT_DIR/trained.safetensors), writes its held-out outputs to
EXPORT_DIR/torch-outputs.safetensors and prints JSON:

    {"parity": max |module - library| before training, "losses": [...], "replicasAgree": bool,
     "metrics": model.evaluate on the held-out split after training}
"""

import importlib.util
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

WORLD = 2
BATCH = 8


def module_file(directory):
    spec = importlib.util.spec_from_file_location("exported_model", os.path.join(directory, "model.py"))
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    return model


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch_of(split, step, rank):
    """Rows [step*BATCH, (step+1)*BATCH) of the split (cycling), this rank's half of them."""
    inputs, targets, lengths = split
    n = inputs.shape[1]
    rows = [(step * BATCH + i) % n for i in range(BATCH)][rank::WORLD]
    pick = torch.tensor(rows)
    if lengths is None:
        return inputs[:, pick], targets[pick], None
    return inputs[:, pick], targets[:, pick], lengths[pick]


def worker(rank, directory, port, steps, learning_rate, results):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    model = module_file(directory)
    net = model.load(directory)
    ddp = DistributedDataParallel(net)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=learning_rate)
    split = model.split(model.data(directory), "train")
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        # The task's loss averages over the batch, so the whole batch's loss is the mean of the
        # two halves' losses, and its gradient the mean of theirs: what DDP's all-reduce computes.
        loss = model.loss(ddp, *batch_of(split, step, rank))
        loss.backward()
        optimizer.step()
        total = loss.detach().clone()
        dist.all_reduce(total)
        losses.append(total.item() / WORLD)
    flat = torch.cat([p.detach().flatten() for p in net.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(WORLD)]
    dist.all_gather(gathered, flat)
    if rank == 0:
        model.save(net, os.path.join(directory, "trained.safetensors"))
        data = model.data(directory)
        inputs, _, lengths = model.split(data, "heldout")
        with torch.no_grad():
            outputs = net(inputs, lengths)
        model.write_safetensors(os.path.join(directory, "torch-outputs.safetensors"), {"outputs": outputs})
        results.put(
            {
                "losses": losses,
                "replicasAgree": all(torch.equal(gathered[0], g) for g in gathered),
                "metrics": model.evaluate(net, data),
            }
        )
    dist.destroy_process_group()


def main():
    directory, steps, learning_rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    model = module_file(directory)
    parity = model.check(model.load(directory), model.data(directory))
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(
        worker,
        args=(directory, free_port(), steps, learning_rate, results),
        nprocs=WORLD,
        join=True,
        start_method="spawn",
    )
    print(json.dumps({"parity": parity, **results.get()}))


if __name__ == "__main__":
    main()
