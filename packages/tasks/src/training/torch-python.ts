/**
 * The Python file `recurrent export` writes beside the weights (docs/torch.md): a readable
 * `nn.Module` equivalent to a task's model (`TorchArchitecture`), the task's loss and metrics,
 * and `load`, `save`, `check` and `evaluate` helpers. Only PyTorch is needed: the file reads and
 * writes safetensors itself (eight bytes of header length, the JSON header, the raw data).
 */
import { CITY_SLOTS } from '../metrics.ts'
import type { TorchArchitecture, TorchBody } from './torch.ts'

/** What the file says about where its weights come from. */
export interface PythonModuleInfo {
  readonly task: string
  readonly description: string
  readonly seed: number
  readonly step: number
}

const MODES: Record<string, string> = {
  RNN_TANH: 'nn.RNN({in}, {h}{opts})',
  RNN_RELU: 'nn.RNN({in}, {h}, nonlinearity="relu"{opts})',
  LSTM: 'nn.LSTM({in}, {h}{opts})',
  GRU: 'nn.GRU({in}, {h}{opts})',
}

/** The body's constructor line and the width of its output. */
const bodyModule = (body: TorchBody, inputs: number): { line: string; width: number } => {
  if (body.type === 'feedforward')
    return {
      line: `        # The feedforward layer of Lecture §1.2: every word on its own, h_t = tanh(W·e_t + b).
        self.hidden = nn.Linear(${inputs}, ${body.hidden})`,
      width: body.hidden,
    }
  const opts = body.bidirectional ? ', bidirectional=True' : ''
  const module = MODES[body.kind]
    .replace('{in}', String(inputs))
    .replace('{h}', String(body.hidden))
    .replace('{opts}', opts)
  return {
    line: `        self.rnn = ${module}`,
    width: body.bidirectional ? 2 * body.hidden : body.hidden,
  }
}

const SAFETENSORS = `DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """The tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        data = raw[8 + n + start : 8 + n + end]
        flat = torch.frombuffer(bytearray(data), dtype=dtype) if data else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(entry["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    """Writes tensors (int64 as int32) as a safetensors file, atomically."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.int64:
            t = t.to(torch.int32)
        data = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    os.replace(temporary, path)`

const taggerSource = (a: Extract<TorchArchitecture, { model: 'tagger' }>): string => {
  const body = bodyModule(a.body, a.embedding)
  const apply =
    a.body.type === 'feedforward'
      ? `        h = torch.tanh(self.hidden(x))`
      : `        # Each sentence is read over its own length (the reverse direction starts at its last word).
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        h, _ = self.rnn(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, total_length=inputs.shape[0])`
  return `LABELS = ${JSON.stringify(a.labels)}
# The slots whose words are cities, which a cue word decides (ambiguousCityAccuracy).
CITY_SLOTS = ${JSON.stringify(CITY_SLOTS)}


class Model(nn.Module):
    """The per-word tagger of Lecture §1.2: y_t = softmax(head(layer(x_t·E)_t))."""

    def __init__(self):
        super().__init__()
        # The word table (fixed by the task's data): word id -> ${a.entries} (dimension, value) entries
        # of its vector x, so that x·E = sum over the entries of value * E[dimension].
        self.register_buffer("word_dims", torch.zeros(${a.words}, ${a.entries}, dtype=torch.long))
        self.register_buffer("word_values", torch.zeros(${a.words}, ${a.entries}))
        self.E = nn.Parameter(torch.zeros(${a.dims}, ${a.embedding}))
${body.line}
        self.head = nn.Linear(${body.width}, ${a.labels.length})

    def forward(self, inputs, lengths):
        """Logits [T, B, ${a.labels.length}] of word ids [T, B] (padded) with sentence lengths [B]."""
        x = (self.E[self.word_dims[inputs]] * self.word_values[inputs].unsqueeze(-1)).sum(-2)
${apply}
        return self.head(h)


def loss(net, inputs, targets, lengths):
    """The task's loss: cross-entropy summed over each sentence's words, averaged over the batch.
    net may be the module or a DistributedDataParallel wrapping it."""
    logits = net(inputs, lengths)
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="sum")
    return total / inputs.shape[1]


def split(data, name):
    """(inputs, targets, lengths) of the split "train" or "heldout", as the module takes them."""
    return data[f"{name}.inputs"].long(), data[f"{name}.targets"].long(), data[f"{name}.lengths"].long()


def spans(labels):
    """The spans of BIO labels as CoNLL reads them: a span starts at B-x, or at an I-x that does not continue x."""
    out, open_ = [], None
    for i, label in enumerate(labels + ["O"]):
        tag, kind = ("O", "") if label == "O" else label.split("-", 1)
        if tag == "O" or tag == "B" or open_ is None or open_[0] != kind:
            if open_ is not None:
                out.append((open_[0], open_[1], i))
            open_ = None if tag == "O" else (kind, i)
    return out


def evaluate(net, data):
    """The task's metrics on the held-out split: slot F1 (CoNLL spans) and the ambiguous city accuracy."""
    inputs, targets, lengths = split(data, "heldout")
    with torch.no_grad():
        best = net(inputs, lengths).argmax(-1)
    tp = n_predicted = n_reference = cities = right = 0
    for b, n in enumerate(lengths.tolist()):
        predicted = [LABELS[i] for i in best[:n, b].tolist()]
        reference = [LABELS[i] for i in targets[:n, b].tolist()]
        ps, rs = spans(predicted), set(spans(reference))
        tp += sum(1 for s in ps if s in rs)
        n_predicted += len(ps)
        n_reference += len(rs)
        for p, r in zip(predicted, reference):
            if r != "O" and r.split("-", 1)[1] in CITY_SLOTS:
                cities += 1
                right += p == r
    return {
        "ambiguousCityAccuracy": right / cities if cities else None,
        "slotF1": 1.0 if n_predicted + n_reference == 0 else 2 * tp / (n_predicted + n_reference),
    }


def check(net, data):
    """The largest |difference| between the module's held-out outputs and the library's (real words only)."""
    inputs, _, lengths = split(data, "heldout")
    with torch.no_grad():
        ours = net(inputs, lengths)
    mask = torch.arange(inputs.shape[0]).unsqueeze(1) < lengths.unsqueeze(0)
    return (ours - data["heldout.outputs"]).abs()[mask].max().item()`
}

const regressorSource = (a: Extract<TorchArchitecture, { model: 'regressor' }>): string => {
  const body = bodyModule(a.body, a.inputSize)
  return `class Model(nn.Module):
    """The many-to-one regressor of Lecture §4.5: the head on the output after the last step."""

    def __init__(self):
        super().__init__()
${body.line}
        self.head = nn.Linear(${body.width}, ${a.outputSize})

    def forward(self, inputs, lengths=None):
        """Predictions [B, ${a.outputSize}] of sequences [T, B, ${a.inputSize}]."""
        h, _ = self.rnn(inputs)
        return self.head(h[-1])


def loss(net, inputs, targets, lengths=None):
    """The task's loss: the mean squared error. net may be the module or a DistributedDataParallel wrapping it."""
    return F.mse_loss(net(inputs), targets)


def split(data, name):
    """(inputs, targets, None) of the split "train" or "heldout", as the module takes them."""
    return data[f"{name}.inputs"], data[f"{name}.targets"], None


def evaluate(net, data):
    """The task's metrics on the held-out split: its MSE, the MSE of predicting the mean, their ratio."""
    inputs, targets, _ = split(data, "heldout")
    with torch.no_grad():
        test = F.mse_loss(net(inputs), targets).item()
    baseline = ((targets - targets.mean()) ** 2).mean().item()
    return {"testMse": test, "baselineMse": baseline, "ratio": test / baseline}


def check(net, data):
    """The largest |difference| between the module's held-out outputs and the library's."""
    inputs, _, _ = split(data, "heldout")
    with torch.no_grad():
        return (net(inputs) - data["heldout.outputs"]).abs().max().item()`
}

/**
 * The Python source of the module equivalent to a task's model, with its helpers: `Model` (the
 * `nn.Module`), `loss(net, inputs, targets, lengths)` (the task's loss; `net` may be wrapped in
 * `DistributedDataParallel`), `load(directory)` (the module with the exported
 * weights, `load_state_dict(strict=True)`), `save(net, path)` (its state dict as safetensors, for
 * `recurrent import`), `split`, `check` (largest |difference| from the library's held-out
 * outputs) and `evaluate` (the task's metrics, as `recurrent eval` reports them). Run as a
 * script, it prints `{ task, maxAbsDiff, metrics }` as JSON.
 *
 * @example
 * const arch = { model: 'regressor', inputSize: 2, outputSize: 1, body: { type: 'recurrent', kind: 'GRU', hidden: 8, bidirectional: false } }
 * const py = pythonModule(arch, { task: 'adding-gru', description: 'a GRU', seed: 0, step: 10 })
 * assert.ok(py.includes('self.rnn = nn.GRU(2, 8)'))
 * assert.ok(py.includes('self.head = nn.Linear(8, 1)'))
 */
export const pythonModule = (architecture: TorchArchitecture, info: PythonModuleInfo): string => {
  const model = architecture.model === 'tagger' ? taggerSource(architecture) : regressorSource(architecture)
  return `"""The task \`${info.task}\` as a PyTorch module: ${info.description}.

Written by \`recurrent export\` from step ${info.step} of a run with seed ${info.seed}. Beside this file:

    params.safetensors  the module's state dict (its parameters${architecture.model === 'tagger' ? ', and the fixed word table' : ''})
    data.safetensors    the task's data: train.* and heldout.* (inputs, targets${architecture.model === 'tagger' ? ', lengths' : ''}),
                        and heldout.outputs, the library's outputs on the held-out inputs
    manifest.json       the task, its configuration, seed and step, and each file's sha256

    python3 model.py                         checks the module against the library's outputs and
                                             prints the task's metrics on the held-out split (JSON)
    import model
    net = model.load()                       the module with the exported weights
    inputs, targets, lengths = model.split(model.data(), "train")
    model.loss(net, inputs, targets, lengths).backward()   the task's loss (net may be DDP-wrapped)
    model.save(net)                          its weights to trained.safetensors, for \`recurrent import\`
"""
import json
import os
import struct

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
TASK = ${JSON.stringify(info.task)}

${SAFETENSORS}


${model}


def load(directory=HERE):
    """The module with the weights of directory/params.safetensors (every entry, strictly)."""
    net = Model()
    net.load_state_dict(read_safetensors(os.path.join(directory, "params.safetensors")), strict=True)
    return net


def save(net, path=os.path.join(HERE, "trained.safetensors")):
    """Writes the module's state dict (unwrapped from DistributedDataParallel) as safetensors;
    by default to trained.safetensors beside this file, which \`recurrent import\` reads."""
    net = getattr(net, "module", net)
    write_safetensors(path, net.state_dict())


def data(directory=HERE):
    """The task's data: directory/data.safetensors."""
    return read_safetensors(os.path.join(directory, "data.safetensors"))


if __name__ == "__main__":
    net, d = load(), data()
    print(json.dumps({"task": TASK, "maxAbsDiff": check(net, d), "metrics": evaluate(net, d)}))
`
}
