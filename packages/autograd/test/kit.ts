// @recurrent/testkit depends on this package, so its tests import the kit by path (no cycle).
export * from '../../testkit/src/index.ts'
