#!/usr/bin/env python3
"""Writes test/fixtures/torch-parity.json: PyTorch's F.cross_entropy and F.ctc_loss in float64 as
the oracle for the library's crossEntropy and ctcLoss, values and gradients.

Cross-entropy: logits [N, C] (and one [T, B, C] case, given to PyTorch permuted to [B, C, T] with
targets [B, T]) against targets with ignored entries (ignore_index -100, and 1, a real class),
for each reduction. CTC: logits [T, B, C] through log_softmax over C, padded targets [B, S], mixed
input and target lengths in one batch, repeated labels, an empty target, sometimes an infeasible
sequence (input too short), blank 0 or C - 1, for each reduction and zero_infinity.

Every result records the loss (the reduced scalar, or the per-element losses for 'none') and the
gradient with respect to the logits of

    L = sum(loss * w)

with w random (recorded) for 'none' and w = 1 otherwise. CTC gradients are taken through
log_softmax: PyTorch's ctc_loss backward assumes its input is a log_softmax output, so its gradient
with respect to a leaf log_probs is not the true derivative, but the one with respect to the logits
is. Where a loss is infinite and zero_infinity is False, the gradient is recorded as null.

Non-finite numbers are not JSON: they are written as the strings "Infinity", "-Infinity", "NaN"
(only "Infinity" occurs: the CTC loss of an infeasible sequence).

Deterministic: seeded, float64, one thread. Needs only torch (Debian's python3-torch).
Not covered, on purpose: a sequence of input length 0 (PyTorch 1.13 on CPU returns garbage for it)
and a 'mean' cross-entropy where every target is ignored (0 / 0).

Usage: /usr/bin/python3 scripts/torch_fixtures.py [OUT]   (default test/fixtures/torch-parity.json)

The JSON is written compact; fixtures are data, outside the linter's reach (biome.json).
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

SEED = 20240612
REDUCTIONS = ["mean", "sum", "none"]


def num(x):
    """A float as JSON: itself when finite, else the string "Infinity", "-Infinity" or "NaN"."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def nested(value):
    return [nested(v) for v in value] if isinstance(value, list) else num(value)


def enc(t):
    """A tensor as {shape, data}: data nested lists of Python floats (repr: full precision)."""
    t = t.detach()
    return {"shape": list(t.shape), "data": nested(t.tolist())}


def weights_for(reduction, shape):
    return torch.randn(*shape) if reduction == "none" else None


# --- cross-entropy ------------------------------------------------------------------------------


def ce_case(name, logits, targets, ignore_index, time_major=False):
    """logits [N, C] with targets [N], or (time_major) logits [T, B, C] with targets [T, B]."""
    results = []
    for reduction in REDUCTIONS:
        x = logits.clone().requires_grad_(True)
        if time_major:
            # PyTorch wants [B, C, T] with targets [B, T]; 'none' gives [B, T], back to [T, B].
            loss = F.cross_entropy(
                x.permute(1, 2, 0), targets.t(), ignore_index=ignore_index, reduction=reduction
            )
            if reduction == "none":
                loss = loss.t()
        else:
            loss = F.cross_entropy(x, targets, ignore_index=ignore_index, reduction=reduction)
        w = weights_for(reduction, loss.shape)
        total = (loss * w).sum() if w is not None else loss
        (g,) = torch.autograd.grad(total, x)
        results.append(
            {
                "reduction": reduction,
                "weights": enc(w) if w is not None else None,
                "loss": enc(loss),
                "grad": enc(g),
            }
        )
    return {
        "name": name,
        "logits": enc(logits),
        "targets": targets.tolist(),
        "ignoreIndex": ignore_index,
        "results": results,
    }


def ce_cases():
    cases = []
    # [N, C], PyTorch's default ignore_index -100 on a few rows.
    n, c = 7, 5
    logits = torch.randn(n, c) * 2
    targets = torch.tensor([3, -100, 0, 4, -100, 1, 2])
    cases.append(ce_case("[7,5] ignoreIndex -100", logits, targets, -100))
    # ignore_index = 1, a real class: those rows count for nothing, class 1 as well.
    logits = torch.randn(6, 4) * 3
    targets = torch.tensor([1, 0, 3, 1, 2, 1])
    cases.append(ce_case("[6,4] ignoreIndex 1 (a class)", logits, targets, 1))
    # Large logits: the log-sum-exp must stay exact.
    logits = torch.randn(4, 3) * 40
    targets = torch.tensor([2, 0, -100, 1])
    cases.append(ce_case("[4,3] large logits, ignoreIndex -100", logits, targets, -100))
    # [T, B, C]: padding at the ends of shorter sequences.
    t, b, c = 4, 3, 5
    logits = torch.randn(t, b, c) * 2
    targets = torch.tensor([[1, 4, 0], [2, -100, 3], [0, -100, 3], [-100, -100, 2]])
    cases.append(ce_case("[4,3,5] time-major, ignoreIndex -100", logits, targets, -100, time_major=True))
    return cases


# --- CTC ----------------------------------------------------------------------------------------


def ctc_case(name, steps, num_classes, labels, input_lengths, blank, expect_infeasible):
    batch = len(labels)
    width = max(max(len(lab) for lab in labels), 1)
    padded = [lab + [blank] * (width - len(lab)) for lab in labels]
    logits = torch.randn(steps, batch, num_classes) * 1.5
    targets = torch.tensor(padded)
    target_lengths = torch.tensor([len(lab) for lab in labels])
    lengths = torch.tensor(input_lengths)
    results = []
    for reduction in REDUCTIONS:
        for zero_infinity in (False, True):
            x = logits.clone().requires_grad_(True)
            loss = F.ctc_loss(
                F.log_softmax(x, dim=2),
                targets,
                lengths,
                target_lengths,
                blank=blank,
                reduction=reduction,
                zero_infinity=zero_infinity,
            )
            w = weights_for(reduction, loss.shape)
            total = (loss * w).sum() if w is not None else loss
            infinite = bool(torch.isinf(loss).any())
            assert infinite == (expect_infeasible and not zero_infinity), (name, reduction, zero_infinity)
            g = None if infinite else torch.autograd.grad(total, x)[0]
            results.append(
                {
                    "reduction": reduction,
                    "zeroInfinity": zero_infinity,
                    "weights": enc(w) if w is not None else None,
                    "loss": enc(loss),
                    "grad": enc(g) if g is not None else None,
                }
            )
    return {
        "name": name,
        "blank": blank,
        "logits": enc(logits),
        "targets": padded,
        "inputLengths": input_lengths,
        "targetLengths": target_lengths.tolist(),
        "results": results,
    }


def ctc_cases():
    cases = []
    # T = 8, C = 4, blank 0: mixed lengths, repeats (2 2 needs a blank between), an empty target,
    # one sequence exactly as long as it must be (1 1 3 needs 4 frames).
    cases.append(
        ctc_case(
            "blank 0, feasible",
            8,
            4,
            [[1, 2, 3], [2, 2, 1, 1], [], [1, 1, 3], [3]],
            [8, 7, 5, 4, 1],
            0,
            False,
        )
    )
    # The same shapes with one infeasible sequence: 2 3 3 needs 4 frames, it gets 3.
    cases.append(
        ctc_case(
            "blank 0, one infeasible",
            8,
            4,
            [[1, 2], [3, 3, 3], [2, 3, 3], [], [1]],
            [8, 6, 3, 2, 5],
            0,
            True,
        )
    )
    # blank = C - 1 = 3: labels use class 0; repeats, an empty target, mixed lengths.
    cases.append(
        ctc_case(
            "blank C-1, feasible",
            7,
            4,
            [[0, 1, 2], [0, 0], [], [2, 2, 0, 1]],
            [7, 3, 4, 6],
            3,
            False,
        )
    )
    # blank = C - 1 with an infeasible sequence: a target longer than its input.
    cases.append(
        ctc_case(
            "blank C-1, one infeasible",
            7,
            4,
            [[1, 0], [0, 1, 2, 0], [2], [1, 1]],
            [6, 3, 7, 3],
            3,
            True,
        )
    )
    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "test", "fixtures", "torch-parity.json")
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    ce = ce_cases()
    ctc = ctc_cases()
    doc = {
        "generator": "scripts/torch_fixtures.py",
        "torch": torch.__version__,
        "seed": SEED,
        "nonFinite": 'losses that are not finite are the strings "Infinity", "-Infinity", "NaN"',
        "crossEntropy": ce,
        "ctc": ctc,
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
    with open(out, "w") as f:
        f.write(text)
    results = sum(len(c["results"]) for c in ce + ctc)
    print(f"wrote {len(ce)} cross-entropy and {len(ctc)} CTC cases ({results} results) to {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
