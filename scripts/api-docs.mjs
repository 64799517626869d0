// Writes docs/api.md from the packages' public entry points as a user gets them: each entry of a
// package's published `exports` (its built `dist/*.d.ts`), every name it exports with its
// signature, the doc comment's text and its executed example. Run after the build
// (`turbo run build`); `node scripts/api-docs.mjs --check` fails when the committed page is stale
// (a test runs that check).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

/** The declarations of one .d.ts file: name → { doc, signature }, and its re-exports. */
const parseDeclarations = (file) => {
  const text = readFileSync(file, 'utf8')
  const decls = new Map()
  const reexports = []
  let i = 0
  let doc = ''
  while (i < text.length) {
    if (text.startsWith('/**', i)) {
      const end = text.indexOf('*/', i)
      doc = text.slice(i, end + 2)
      i = end + 2
      continue
    }
    if (/\s/.test(text[i])) {
      i++
      continue
    }
    // One statement: up to the `;` or the closing brace at depth 0.
    let depth = 0
    let j = i
    let sawBrace = false
    for (; j < text.length; j++) {
      const c = text[j]
      if (c === '/' && text[j + 1] === '*') {
        j = text.indexOf('*/', j) + 1
        continue
      }
      if (c === "'" || c === '"' || c === '`') {
        const q = c
        for (j++; j < text.length && text[j] !== q; j++) if (text[j] === '\\') j++
        continue
      }
      if (c === '(' || c === '[' || c === '{') {
        depth++
        if (c === '{') sawBrace = true
      } else if (c === ')' || c === ']' || c === '}') {
        depth--
        if (depth === 0 && c === '}' && sawBrace && /^(export )?(declare )?(interface|class|namespace|enum)/.test(text.slice(i, j))) {
          j++
          break
        }
      } else if (c === ';' && depth === 0) {
        j++
        break
      }
    }
    const stmt = text.slice(i, j).trim()
    i = j
    let m
    if ((m = /^export \* as (\w+) from '([^']+)';?$/.exec(stmt))) reexports.push({ kind: 'namespace', name: m[1], from: m[2] })
    else if ((m = /^export \* from '([^']+)';?$/.exec(stmt))) reexports.push({ kind: 'star', from: m[1] })
    else if ((m = /^export (type )?\{([\s\S]*)\} from '([^']+)';?$/.exec(stmt))) {
      for (const part of m[2].split(',').map((s) => s.trim()).filter(Boolean)) {
        const [orig, alias] = part.replace(/^type /, '').split(/\s+as\s+/)
        reexports.push({ kind: 'named', name: alias ?? orig, orig, from: m[3] })
      }
    } else if ((m = /^export (?:declare )?(?:abstract )?(const|function|class|interface|type|enum|namespace) (\w+)/.exec(stmt))) {
      const prev = decls.get(m[2])
      const signature = stmt.replace(/^export (declare )?/, '')
      // Overloads: keep every signature under one name.
      decls.set(m[2], prev ? { doc: prev.doc || doc, signature: `${prev.signature}\n${signature}` } : { doc, signature })
    }
    doc = ''
  }
  return { decls, reexports }
}

const resolveFile = (from, spec) => join(dirname(from), spec.replace(/\.(ts|js)$/, '.d.ts'))

/** Every name an entry exports: name → { doc, signature, file } (namespaces flattened as `ns.name`). */
const exportsOf = (file, seen = new Set()) => {
  if (seen.has(file)) return new Map()
  seen.add(file)
  const { decls, reexports } = parseDeclarations(file)
  const out = new Map()
  const own = new Map([...decls].map(([n, d]) => [n, { ...d, file }]))
  for (const r of reexports) {
    const target = resolveFile(file, r.from)
    if (r.kind === 'star') for (const [n, d] of exportsOf(target, new Set(seen))) out.set(n, d)
    else if (r.kind === 'namespace') {
      for (const [n, d] of exportsOf(target, new Set(seen))) out.set(`${r.name}.${n}`, d)
    } else {
      const all = exportsOf(target, new Set(seen))
      const d = all.get(r.orig) ?? parseDeclarations(target).decls.get(r.orig)
      if (d) out.set(r.name, { file: target, ...d })
    }
  }
  for (const [n, d] of own) if (/^(const|function|class|interface|type|enum|namespace)/.test(d.signature)) out.set(n, d)
  return out
}

/** A doc comment's prose (tags dropped) and its `@example` code. */
const readDoc = (doc) => {
  const lines = doc
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
  const at = lines.findIndex((l) => l.startsWith('@'))
  const prose = (at < 0 ? lines : lines.slice(0, at)).join('\n').trim()
  const ex = lines.findIndex((l) => l.startsWith('@example'))
  let example = ''
  if (ex >= 0) {
    const rest = lines.slice(ex + 1)
    const stop = rest.findIndex((l) => /^@\w/.test(l))
    example = (stop < 0 ? rest : rest.slice(0, stop)).join('\n').trim()
  }
  return { prose, example }
}

const packages = readdirSync(join(root, 'packages'))
  .filter((p) => existsSync(join(root, 'packages', p, 'package.json')))
  .map((p) => ({ dir: p, json: JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) }))
  .filter((p) => p.json.publishConfig?.exports)
  .sort((a, b) => a.json.name.localeCompare(b.json.name))

const lines = [
  '# API reference',
  '',
  'Generated by `node scripts/api-docs.mjs` from what each package publishes: every entry point of',
  'its `exports` (the built `.d.ts`), every name with its signature, its doc comment and the example',
  "that the package's tests execute. Entries marked unstable may change in any release.",
  '',
]
const missing = []
for (const { dir, json } of packages) {
  for (const [sub, target] of Object.entries(json.publishConfig.exports)) {
    const entry = sub === '.' ? json.name : `${json.name}/${sub.slice(2)}`
    const dts = join(root, 'packages', dir, target.types)
    if (!existsSync(dts)) {
      missing.push(dts)
      continue
    }
    const names = [...exportsOf(dts)].sort(([a], [b]) => a.localeCompare(b))
    const unstable = sub === './internal'
    lines.push(`## \`${entry}\`${unstable ? ' (unstable)' : ''}`, '')
    const header = readFileSync(join(root, 'packages', dir, json.exports[sub]), 'utf8').match(/^\/\*\*[\s\S]*?\*\//)
    if (header) lines.push(readDoc(header[0]).prose, '')
    for (const [name, d] of names) {
      const { prose, example } = readDoc(d.doc)
      const src = d.file.replace(`${join(root, 'packages', dir, 'dist')}/`, '').replace(/\.d\.ts$/, '.ts')
      lines.push(`### \`${name}\``, '', '```ts', d.signature, '```', '')
      if (prose) lines.push(prose, '')
      if (example) lines.push('```js', example, '```', '')
      lines.push(`Source: [${src}](../packages/${dir}/src/${src})`, '')
    }
  }
}
if (missing.length > 0) {
  console.error(`api-docs: not built yet (run the build first): ${missing.join(', ')}`)
  process.exit(1)
}
const page = `${lines.join('\n').trimEnd()}\n`
const target = join(root, 'docs', 'api.md')
if (process.argv.includes('--check')) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== page) {
    console.error('docs/api.md is stale: run the build, then node scripts/api-docs.mjs')
    process.exit(1)
  }
} else writeFileSync(target, page)
