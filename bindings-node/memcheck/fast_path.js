// Run under valgrind by bindings-node/memcheck/run (not by `node --test`): the
// hand-written Node-API callbacks of src/fast.rs — lookups through them, their
// error fallback, and their finalizers when tables and maps are collected.
'use strict'
const path = require('node:path')
const { Farm, PrefixMap } = require('..')

const file = path.join(__dirname, '..', '..', 'examples', 'multisite.toml')
let table = Farm.fromFile(file).table()
const lookup = table.lookup
const address = table.servers[1].clientPrefix.replace('::/59', '::1')
const want = lookup(address).name
table = null
for (let i = 0; i < 300; i++) {
  const t = Farm.fromFile(file).table()
  t.lookup(address)
  t.lookupIndex(address)
  try { t.lookup('x'.repeat(100)) } catch {}
  const m = new PrefixMap([['2001:db8::/32', i]])
  if (m.lookup('2001:db8::1') !== i) throw new Error(`map ${i}`)
}
global.gc()
// the detached function kept its table alive through the collection
if (lookup(address).name !== want) throw new Error(`lost ${want}`)
console.log('valgrind fast path: ok')
