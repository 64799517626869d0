/** `@recurrent/testkit`: arbitraries, tolerances and assertions shared by every package's tests. */
export * from './arbitraries.ts'
export * from './assertions.ts'
export * from './doc-examples.ts'
export * from './gradients.ts'
export * from './tolerances.ts'
