// Builds gpu.js's optional native `gl` binding from source (its prebuilt download cannot succeed
// offline). Needs a C++ toolchain, Node's headers and X development packages; .ci/run installs
// them: build-essential pkg-config libxi-dev libglu1-mesa-dev libglew-dev mesa-common-dev.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const fromGpuJs = createRequire(createRequire(import.meta.url).resolve('gpu.js'))
const glDir = dirname(fromGpuJs.resolve('gl/package.json'))
const nodeGyp = createRequire(join(glDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js')
// Node's own headers: the prefix of this node binary (e.g. /usr for /usr/bin/node).
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath))
if (!existsSync(join(nodedir, 'include', 'node', 'node.h'))) {
  console.error(`build-gl: Node headers not found under ${nodedir}/include/node (set npm_config_nodedir)`)
  process.exit(1)
}
console.log(`build-gl: building ${glDir} against ${nodedir}`)
execFileSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=max'], { cwd: glDir, stdio: 'inherit' })
