// Node lookup speed: manageout against what Node tools do today, a linear scan
// over ipaddr.js-parsed CIDRs (ipaddr.parseCIDR + match, longest match kept), on
// the same data and queries, in the same run. Not a test.
//
//     cd bindings-node && npm install && npm run build && npm run bench
//
// Data sets as in the Rust benches: seed2 (the article's farm), farm64 (32 /59s
// plus a nested /64 in each). Queries: 90% inside random prefixes, 10% uniform in
// 2000::/3 (fixed seed). Reports ns per lookup and the ratio (JS time / ours).
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import os from 'node:os'

const require = createRequire(import.meta.url)
const ipaddr = require('ipaddr.js')
const { Farm, PrefixMap } = require('..')

function rng(seed) {
  let x = BigInt(seed) | 1n
  const M = (1n << 64n) - 1n
  return () => {
    x ^= x >> 12n
    x ^= (x << 25n) & M
    x ^= x >> 27n
    return (x * 0x2545f4914f6cdd1dn) & M
  }
}

const text = (big) => {
  const g = []
  for (let i = 7; i >= 0; i--) g.push(((big >> BigInt(16 * i)) & 0xffffn).toString(16))
  return g.join(':')
}
const bytesOf = (big, out, at) => {
  for (let i = 15; i >= 0; i--) {
    out[at + i] = Number(big & 0xffn)
    big >>= 8n
  }
}

function seed2() {
  return [['2131:0:0:1000::/59', 0], ['2131:0:0:1020::/59', 1]]
}
function farm64() {
  const out = []
  for (let i = 0n; i < 32n; i++) {
    const base = (0x2131n << 112n) | ((0x1000n + i * 0x20n) << 64n)
    out.push([`${text(base)}/59`, Number(i)])
    out.push([`${text(base | (5n << 64n))}/64`, 100 + Number(i)])
  }
  return out
}
const farmOf = (prefixes) => Farm.fromObject({
  server: prefixes.filter(([p]) => p.endsWith('/59')).map(([p, v]) => ({
    name: `DA${v}`, address: `2131::${(v + 1).toString(16)}`, client_prefix: p,
  })),
})

function queries(prefixes, n) {
  const next = rng(7)
  const nets = prefixes.map(([p]) => {
    const [a, l] = p.split('/')
    return [BigInt('0x' + Buffer.from(ipaddr.parse(a).toByteArray()).toString('hex')), BigInt(l)]
  })
  const out = []
  for (let i = 0; i < n; i++) {
    if (next() % 10n === 0n) out.push((1n << 125n) | (((next() << 64n) | next()) >> 3n))
    else {
      const [net, len] = nets[Number(next() % BigInt(nets.length))]
      const host = len === 128n ? 0n : ((1n << (128n - len)) - 1n) & ((next() << 64n) | next())
      out.push(net | host)
    }
  }
  return out
}

function bestOf(fn, repeat = 5) {
  let best = Infinity
  for (let r = 0; r < repeat; r++) {
    const t = performance.now()
    fn()
    best = Math.min(best, performance.now() - t)
  }
  return best * 1e6 // ns
}

function run(name, prefixes) {
  const n = 100_000
  const big = 1_000_000
  const q = queries(prefixes, big)
  const qs = q.slice(0, n).map(text)
  const packed = Buffer.alloc(16 * big)
  q.forEach((b, i) => bytesOf(b, packed, 16 * i))
  const packedSmall = packed.subarray(0, 16 * n)

  // the JS way: parsed CIDRs, linear scan keeping the longest match
  const cidrs = prefixes.map(([p, v]) => [ipaddr.parseCIDR(p), v])
  const jsLookup = (addr) => {
    let best = -1
    let bestLen = -1
    for (const [[net, len], v] of cidrs) if (len > bestLen && addr.match(net, len)) { best = v; bestLen = len }
    return best
  }
  const jsString = (s) => jsLookup(ipaddr.parse(s))
  const jsMany = (buf) => {
    const out = new Int32Array(buf.length / 16)
    for (let i = 0; i < out.length; i++) out[i] = jsLookup(ipaddr.fromByteArray(buf.subarray(16 * i, 16 * i + 16)))
    return out
  }

  const map = new PrefixMap(prefixes)
  const table = farmOf(prefixes).table()
  const serverValue = table.servers.map((s) => Number(s.name.slice(2)))
  const tableValue = (s) => (s === null ? -1 : serverValue[s.index])
  // they agree before they are timed (the table holds only the /59s)
  for (const s of qs.slice(0, 2000)) {
    const want = jsString(s)
    const got = map.lookup(s)
    if ((got === null ? -1 : got) !== want) throw new Error(`${name}: ${s}: ${got} != ${want}`)
  }
  const manyJs = jsMany(packedSmall.subarray(0, 16 * 2000))
  const manyOurs = map.lookupMany(packedSmall.subarray(0, 16 * 2000))
  manyJs.forEach((v, i) => { if (manyOurs[i] !== v) throw new Error(`${name}: lookupMany ${i}`) })
  if (name === 'seed2') for (const s of qs.slice(0, 2000)) {
    if (tableValue(table.lookup(s)) !== jsString(s)) throw new Error(`table ${s}`)
  }

  let sink = 0
  const single = (fn) => bestOf(() => { for (const s of qs) sink += fn(s) === null ? 0 : 1 }) / n
  const js = single(jsString)
  const rows = [
    ['ipaddr.js linear scan, lookup(string)', js],
    ['PrefixMap.lookup(string)', single((s) => map.lookup(s))],
    ['Table.lookup(string) -> Server', single((s) => table.lookup(s))],
    ['Table.lookupIndex(string)', single((s) => table.lookupIndex(s))],
  ]
  const jsManyNs = bestOf(() => { sink += jsMany(packedSmall)[0] }, 3) / n
  const oursManyNs = bestOf(() => { sink += map.lookupMany(packed)[0] }) / big
  const tableManyNs = bestOf(() => { sink += table.lookupMany(packed)[0] }) / big
  rows.push(['ipaddr.js loop over packed bytes', jsManyNs])
  rows.push(['PrefixMap.lookupMany(1M packed)', oursManyNs])
  rows.push(['Table.lookupMany(1M packed)', tableManyNs])

  console.log(`\n${name} (${prefixes.length} prefixes)`)
  for (const [label, ns] of rows) {
    const peer = label.includes('lookupMany') ? jsManyNs : js
    const ratio = label.startsWith('ipaddr') ? '' : `  ${(peer / ns).toFixed(1)}x`
    console.log(`  ${label.padEnd(40)} ${ns.toFixed(1).padStart(9)} ns${ratio}`)
  }
  return sink
}

console.log(`node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs`)
run('seed2', seed2())
run('farm64', farm64())
