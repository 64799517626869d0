/**
 * `@recurrent/autograd`: reverse-mode automatic differentiation as pure function
 * transformations over `@recurrent/tensor` (JAX's shapes), and numerical gradient checking.
 */

export {
  type CheckGradOptions,
  type CheckGradReport,
  checkGrad,
  formatReport,
  type GradMismatch,
} from './check-grad.ts'
export {
  type ArgIndex,
  type Argnums,
  type Cotangents,
  customVjp,
  type GradOptions,
  type Grads,
  type GradsAt,
  grad,
  stopGradient,
  valueAndGrad,
  vjp,
} from './grad.ts'
export { NON_DIFFERENTIABLE, RULES, type VjpRule } from './rules.ts'
