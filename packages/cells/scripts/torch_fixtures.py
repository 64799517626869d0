#!/usr/bin/env python3
"""Writes test/fixtures/torch-parity.json: PyTorch's nn.RNN / nn.LSTM / nn.GRU in float64 as
the oracle for fromTorch/toTorch and for gradients through the library's recurrent layers.

For each kind (RNN_TANH, RNN_RELU, LSTM, GRU) and each of four configurations (1 or 2 layers,
uni- or bidirectional), then for PyTorch's other options (OPTION_CASES: bias=False, LSTM
proj_size, batch_first=True for each kind, and all three at once), it records the options, the
state dict, a random input x [T, B, I], random non-zero
initial states h0 (and c0), the module's outputs (output, h_n, c_n), and the gradients of

    L = sum(output * Wout) + sum(h_n * Wh) (+ sum(c_n * Wc))

with fixed random weights Wout, Wh, Wc (also recorded) with respect to every parameter, x, h0
and c0. Deterministic: seeded, float64, one thread. Needs only torch (Debian's python3-torch).

Usage: /usr/bin/python3 scripts/torch_fixtures.py [OUT]   (default test/fixtures/torch-parity.json)

The JSON is written compact; fixtures are data, outside the linter's reach (biome.json).
"""

import json
import os
import sys

import torch

INPUT_SIZE = 3
HIDDEN_SIZE = 4
STEPS = 5
BATCH = 2
SEED = 20240611

KINDS = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
CONFIGS = [
    {"numLayers": 1, "bidirectional": False},
    {"numLayers": 2, "bidirectional": False},
    {"numLayers": 1, "bidirectional": True},
    {"numLayers": 2, "bidirectional": True},
]
DEFAULTS = {"bias": True, "projSize": 0, "batchFirst": False}
PROJ_SIZE = 2

# After the grid above (appended, so the seeded draws of the grid's cases are unchanged).
OPTION_CASES = [
    ("LSTM", {"numLayers": 2, "bidirectional": True, "bias": False}),
    ("GRU", {"numLayers": 2, "bidirectional": False, "bias": False}),
    ("RNN_TANH", {"numLayers": 1, "bidirectional": True, "bias": False}),
    ("LSTM", {"numLayers": 1, "bidirectional": False, "projSize": PROJ_SIZE}),
    ("LSTM", {"numLayers": 2, "bidirectional": False, "projSize": PROJ_SIZE}),
    ("LSTM", {"numLayers": 1, "bidirectional": True, "projSize": PROJ_SIZE}),
    ("LSTM", {"numLayers": 2, "bidirectional": True, "projSize": PROJ_SIZE}),
    ("RNN_TANH", {"numLayers": 2, "bidirectional": False, "batchFirst": True}),
    ("RNN_RELU", {"numLayers": 1, "bidirectional": True, "batchFirst": True}),
    ("LSTM", {"numLayers": 2, "bidirectional": True, "batchFirst": True}),
    ("GRU", {"numLayers": 2, "bidirectional": True, "batchFirst": True}),
    ("LSTM", {"numLayers": 2, "bidirectional": True, "bias": False, "projSize": PROJ_SIZE, "batchFirst": True}),
]


def module_for(kind, config):
    common = dict(
        input_size=INPUT_SIZE,
        hidden_size=HIDDEN_SIZE,
        num_layers=config["numLayers"],
        bidirectional=config["bidirectional"],
        bias=config["bias"],
        batch_first=config["batchFirst"],
    )
    if kind == "RNN_TANH":
        return torch.nn.RNN(nonlinearity="tanh", **common)
    if kind == "RNN_RELU":
        return torch.nn.RNN(nonlinearity="relu", **common)
    if kind == "LSTM":
        return torch.nn.LSTM(proj_size=config["projSize"], **common)
    if kind == "GRU":
        return torch.nn.GRU(**common)
    raise ValueError(kind)


def enc(t):
    """A tensor as {shape, data}: data nested lists of Python floats (repr: full precision)."""
    t = t.detach()
    return {"shape": list(t.shape), "data": t.tolist()}


def case_name(kind, config):
    name = f"{kind} layers={config['numLayers']} bidirectional={str(config['bidirectional']).lower()}"
    if not config["bias"]:
        name += " bias=false"
    if config["projSize"]:
        name += f" proj_size={config['projSize']}"
    if config["batchFirst"]:
        name += " batch_first=true"
    return name


def make_case(kind, given):
    config = {**DEFAULTS, **given}
    num_layers = config["numLayers"]
    bidirectional = config["bidirectional"]
    directions = 2 if bidirectional else 1
    module = module_for(kind, config)
    is_lstm = kind == "LSTM"
    # h (and the output) has the projection's size when there is one; c keeps the hidden size.
    out_size = config["projSize"] or HIDDEN_SIZE

    sequence = (BATCH, STEPS) if config["batchFirst"] else (STEPS, BATCH)
    x = torch.randn(*sequence, INPUT_SIZE, requires_grad=True)
    h_shape = (num_layers * directions, BATCH, out_size)
    c_shape = (num_layers * directions, BATCH, HIDDEN_SIZE)
    h0 = torch.randn(*h_shape, requires_grad=True)
    c0 = torch.randn(*c_shape, requires_grad=True) if is_lstm else None
    w_out = torch.randn(*sequence, directions * out_size)
    w_h = torch.randn(*h_shape)
    w_c = torch.randn(*c_shape) if is_lstm else None

    if is_lstm:
        output, (h_n, c_n) = module(x, (h0, c0))
    else:
        output, h_n = module(x, h0)
        c_n = None
    loss = (output * w_out).sum() + (h_n * w_h).sum()
    if is_lstm:
        loss = loss + (c_n * w_c).sum()

    names = list(module.state_dict().keys())
    params = dict(module.named_parameters())
    inputs = [params[n] for n in names] + [x, h0] + ([c0] if is_lstm else [])
    grads = torch.autograd.grad(loss, inputs)
    grad_params = {n: enc(g) for n, g in zip(names, grads[: len(names)])}
    rest = grads[len(names):]

    case = {
        "name": case_name(kind, config),
        "kind": kind,
        "numLayers": num_layers,
        "bidirectional": bidirectional,
        "bias": config["bias"],
        "projSize": config["projSize"],
        "batchFirst": config["batchFirst"],
        "stateDict": {n: enc(t) for n, t in module.state_dict().items()},
        "x": enc(x),
        "h0": enc(h0),
        "Wout": enc(w_out),
        "Wh": enc(w_h),
        "output": enc(output),
        "h_n": enc(h_n),
        "loss": loss.item(),
        "grads": {"params": grad_params, "x": enc(rest[0]), "h0": enc(rest[1])},
    }
    if is_lstm:
        case["c0"] = enc(c0)
        case["Wc"] = enc(w_c)
        case["c_n"] = enc(c_n)
        case["grads"]["c0"] = enc(rest[2])
    return case


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "test", "fixtures", "torch-parity.json")
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    cases = [make_case(kind, config) for kind in KINDS for config in CONFIGS]
    cases += [make_case(kind, config) for kind, config in OPTION_CASES]
    doc = {
        "generator": "scripts/torch_fixtures.py",
        "torch": torch.__version__,
        "seed": SEED,
        "sizes": {"input": INPUT_SIZE, "hidden": HIDDEN_SIZE, "steps": STEPS, "batch": BATCH},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    text = json.dumps(doc, separators=(",", ":")) + "\n"
    with open(out, "w") as f:
        f.write(text)
    print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
