import type { Tensor } from './tensor.ts'

/** Static parameters of a primitive application (axes, flags, shapes): never tensors. */
export type Attrs = Readonly<Record<string, unknown>>

/**
 * An observer of primitive applications. `@recurrent/autograd` pushes one per `grad` level and
 * records the ops it sees; the tensor package itself knows nothing of derivatives.
 */
export interface Tracer {
  record(primitive: string, inputs: readonly Tensor[], attrs: Attrs, outputs: readonly Tensor[]): void
}

const active: Tracer[] = []
const NO_ATTRS: Attrs = Object.freeze({})

/** Announces one primitive application to every active tracer and returns its output. */
export const emit = (
  primitive: string,
  inputs: readonly Tensor[],
  attrs: Attrs | undefined,
  output: Tensor,
): Tensor => {
  for (let i = 0; i < active.length; i++) active[i].record(primitive, inputs, attrs ?? NO_ATTRS, [output])
  return output
}

/** Announces an application with several outputs (used by `customVjp`). */
export const emitMany = (
  primitive: string,
  inputs: readonly Tensor[],
  attrs: Attrs,
  outputs: readonly Tensor[],
): void => {
  for (let i = 0; i < active.length; i++) active[i].record(primitive, inputs, attrs, outputs)
}

/** Runs `f` with `tracer` observing every primitive (nested inside any tracers already active). */
export const withTracer = <A>(tracer: Tracer, f: () => A): A => {
  active.push(tracer)
  try {
    return f()
  } finally {
    const i = active.lastIndexOf(tracer)
    if (i >= 0) active.splice(i, 1)
  }
}

/** Runs `f` with no tracer observing (what `customVjp` does with its forward rule). */
export const untraced = <A>(f: () => A): A => {
  const saved = active.splice(0, active.length)
  try {
    return f()
  } finally {
    active.unshift(...saved)
  }
}

/** Whether any tracer is observing (lets fused fast paths skip work that only tracing needs). */
export const isTracing = (): boolean => active.length > 0
