/**
 * The reverse-mode tape: a `Tracer` that records each primitive application whose inputs it
 * tracks, then walks them backwards applying the rules table. One tape per `grad` level; tapes
 * nest, and since rules are tensor ops, a backward pass run under an outer tape is itself recorded.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Attrs, Tracer } from '@recurrent/tensor/internal'
import { NON_DIFFERENTIABLE, RULES } from './rules.ts'

/** A rule carried by the application itself (what `customVjp` records). */
export type CarriedVjp = (cts: readonly Tensor[]) => readonly (Tensor | null)[]

interface Node {
  readonly primitive: string
  readonly inputs: readonly Tensor[]
  readonly outputs: readonly Tensor[]
  readonly attrs: Attrs
  readonly inSlots: number[]
  readonly outSlots: number[]
}

/** One `grad` level's record of the primitives applied to the values it tracks (slots). */
export class Tape implements Tracer {
  readonly #slots = new WeakMap<Tensor, number>()
  readonly #nodes: Node[] = []
  #next = 0

  /** Starts tracking a leaf; returns its slot. */
  watch(t: Tensor): number {
    const s = this.#next++
    this.#slots.set(t, s)
    return s
  }

  slotOf(t: Tensor): number | undefined {
    return this.#slots.get(t)
  }

  record(primitive: string, inputs: readonly Tensor[], attrs: Attrs, outputs: readonly Tensor[]): void {
    if (NON_DIFFERENTIABLE.has(primitive)) return
    let tracked = false
    const inSlots: number[] = new Array(inputs.length)
    for (let i = 0; i < inputs.length; i++) {
      const s = this.#slots.get(inputs[i])
      inSlots[i] = s ?? -1
      if (s !== undefined) tracked = true
    }
    if (!tracked) return
    const outSlots: number[] = new Array(outputs.length)
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i]
      outSlots[i] = T.isFloat(o.dtype) && !inputs.includes(o) ? this.watch(o) : -1
    }
    this.#nodes.push({ primitive, inputs, outputs, attrs, inSlots, outSlots })
  }

  /** Cotangents of every slot reached from the seeded slots, by the chain rule in reverse order. */
  backward(seeds: ReadonlyMap<number, Tensor>): Map<number, Tensor> {
    const cts = new Map(seeds)
    for (let n = this.#nodes.length - 1; n >= 0; n--) {
      const node = this.#nodes[n]
      let any = false
      const gs = node.outSlots.map((s, i) => {
        const g = s >= 0 ? cts.get(s) : undefined
        if (g !== undefined) any = true
        return g ?? T.zeros(node.outputs[i].shape, node.outputs[i].dtype)
      })
      if (!any) continue
      const inGrads =
        node.primitive === 'custom'
          ? (node.attrs.vjp as CarriedVjp)(gs)
          : ruleFor(node.primitive)(
              gs,
              node.inputs,
              node.outputs,
              node.attrs,
              node.inSlots.map((slot) => slot >= 0),
            )
      for (let i = 0; i < node.inputs.length; i++) {
        const s = node.inSlots[i]
        const g = inGrads[i]
        if (s < 0 || g === null || g === undefined) continue
        const prev = cts.get(s)
        cts.set(s, prev === undefined ? g : T.add(prev, g))
      }
    }
    return cts
  }
}

const ruleFor = (primitive: string) => {
  const rule = RULES[primitive]
  if (!rule) throw new T.ArgumentError(`grad: primitive '${primitive}' has no vector-Jacobian rule`)
  return rule
}
