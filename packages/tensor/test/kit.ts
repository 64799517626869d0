// The tensor and autograd packages sit below @recurrent/testkit in the dependency graph, so their
// tests import it by path (a workspace dependency would make a cycle).
export * from '../../testkit/src/index.ts'
