/** `pnpm bench`: every benchmark, each figure a ratio against a baseline measured in this run. */
import { benchCtc } from './ctc.ts'
import { benchLstm } from './lstm.ts'
import { benchMatmul } from './matmul.ts'
import { benchOverhead } from './overhead.ts'

const quick = process.argv.includes('--quick')
console.log(`recurrent benchmarks (node ${process.version}${quick ? ', quick' : ''})`)
benchMatmul(quick ? [64, 128] : [64, 128, 256, 512, 1024])
benchOverhead()
benchLstm(quick)
benchCtc()
