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
export { customVjp, type GradOptions, grad, stopGradient, valueAndGrad, vjp } from './grad.ts'
export { NON_DIFFERENTIABLE, RULES, type VjpRule } from './rules.ts'
