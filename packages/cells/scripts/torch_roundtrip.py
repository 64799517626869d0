#!/usr/bin/env python3
"""The PyTorch side of the safetensors round trip (torch-roundtrip/roundtrip.test.ts).

    torch_roundtrip.py save OUT_DIR
        Builds the seeded float32 modules of CASES: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
        nn.GRU(3, 4, num_layers=1), nn.GRU(3, 4, num_layers=2, bias=False) and
        nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, batch_first=True), and
        writes for each NAME:
          NAME.safetensors   its state_dict (F32, PyTorch's names: weight_ih_l0, ...)
          NAME.json          the kind and options, a fixed input x ([T, B, I], or [B, T, I] when
                             batch_first), initial states h0 (c0), and PyTorch's outputs:
                             output, h_n (c_n)

    torch_roundtrip.py check IN_DIR
        For each NAME.safetensors in IN_DIR (written by the library) with its NAME.input.json
        ({numLayers, bidirectional, bias?, projSize?, batchFirst?, x, h0?, c0?}): loads the
        tensors into a fresh module with load_state_dict(strict=True), runs x, and prints
        {NAME: {output, h_n, c_n?}} as JSON.

safetensors is read and written by hand (struct + json) so that only torch is needed:
u64 little-endian header length N, N bytes of JSON header padded with spaces to a multiple of 8,
then the raw little-endian data.
"""

import json
import os
import struct
import sys

import torch

SEED = 1234
INPUT_SIZE = 3
HIDDEN_SIZE = 4
STEPS = 6
BATCH = 3

CASES = {
    "LSTM": {"kind": "LSTM", "numLayers": 2, "bidirectional": True},
    "GRU": {"kind": "GRU", "numLayers": 1, "bidirectional": False},
    "GRU-bias-false": {"kind": "GRU", "numLayers": 2, "bidirectional": False, "bias": False},
    "LSTM-proj": {"kind": "LSTM", "numLayers": 2, "bidirectional": True, "projSize": 2, "batchFirst": True},
}
DEFAULTS = {"bias": True, "projSize": 0, "batchFirst": False}
GATES = {"LSTM": 4, "GRU": 3}

FILE_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.bool: "BOOL"}
TORCH_DTYPES = {v: k for k, v in FILE_DTYPES.items()}


def write_safetensors(path, tensors):
    header = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": FILE_DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = TORCH_DTYPES[info["dtype"]]
        chunk = bytearray(data[begin:end])
        flat = torch.frombuffer(chunk, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        if sys.byteorder != "little" and dtype != torch.bool:
            flat = torch.from_numpy(flat.numpy().byteswap())
        out[name] = flat.reshape(info["shape"]).clone()
    return out


def module_for(kind, config, input_size, hidden_size, dtype):
    config = {**DEFAULTS, **config}
    extra = {"proj_size": config["projSize"]} if kind == "LSTM" else {}
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    return cls(
        input_size,
        hidden_size,
        num_layers=config["numLayers"],
        bidirectional=config["bidirectional"],
        bias=config["bias"],
        batch_first=config["batchFirst"],
        dtype=dtype,
        **extra,
    )


def run(module, kind, x, h0=None, c0=None):
    with torch.no_grad():
        if kind == "LSTM":
            state = None if h0 is None else (h0, c0)
            output, (h_n, c_n) = module(x, state)
            return {"output": output.tolist(), "h_n": h_n.tolist(), "c_n": c_n.tolist()}
        output, h_n = module(x, h0)
        return {"output": output.tolist(), "h_n": h_n.tolist()}


def save(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(SEED)
    for name, case in CASES.items():
        kind = case["kind"]
        config = {**DEFAULTS, **case}
        module = module_for(kind, config, INPUT_SIZE, HIDDEN_SIZE, torch.float32)
        directions = 2 if config["bidirectional"] else 1
        layers = config["numLayers"] * directions
        sequence = (BATCH, STEPS) if config["batchFirst"] else (STEPS, BATCH)
        x = torch.randn(*sequence, INPUT_SIZE, dtype=torch.float32)
        h0 = torch.randn(layers, BATCH, config["projSize"] or HIDDEN_SIZE, dtype=torch.float32)
        c0 = torch.randn(layers, BATCH, HIDDEN_SIZE, dtype=torch.float32) if kind == "LSTM" else None
        write_safetensors(os.path.join(out_dir, f"{name}.safetensors"), module.state_dict())
        record = {
            "name": name,
            **config,
            "inputSize": INPUT_SIZE,
            "hiddenSize": HIDDEN_SIZE,
            "x": x.tolist(),
            "h0": h0.tolist(),
            **({"c0": c0.tolist()} if c0 is not None else {}),
            **run(module, kind, x, h0, c0),
        }
        with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
            json.dump(record, f)


def check(in_dir):
    results = {}
    for name, case in CASES.items():
        kind = case["kind"]
        path = os.path.join(in_dir, f"{name}.safetensors")
        if not os.path.exists(path):
            continue
        with open(os.path.join(in_dir, f"{name}.input.json")) as f:
            given = json.load(f)
        default = {**DEFAULTS, **case}
        config = {k: given.get(k, default[k]) for k in ("numLayers", "bidirectional", *DEFAULTS)}
        tensors = read_safetensors(path)
        dtype = tensors["weight_hh_l0"].dtype
        hidden_size = tensors["weight_hh_l0"].shape[0] // GATES[kind]
        input_size = tensors["weight_ih_l0"].shape[1]
        module = module_for(kind, config, input_size, hidden_size, dtype)
        module.load_state_dict(tensors, strict=True)
        as_tensor = lambda key: torch.tensor(given[key], dtype=dtype) if key in given else None
        results[name] = run(module, kind, as_tensor("x"), as_tensor("h0"), as_tensor("c0"))
    if not results:
        sys.exit(f"check: none of {', '.join(f'{n}.safetensors' for n in CASES)} in {in_dir}")
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("save", "check"):
        sys.exit(f"usage: {argv[0]} save OUT_DIR | check IN_DIR")
    torch.set_num_threads(1)
    (save if argv[1] == "save" else check)(argv[2])


if __name__ == "__main__":
    main(sys.argv)
