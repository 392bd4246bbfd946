// The Node binding's specification: every API, its error shapes, and a
// property-style comparison of PrefixMap.lookup against a plain JS oracle.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Worker } = require('node:worker_threads')

const { Farm, PrefixMap, Table, aggregate, covering, explain, importDaServer, VERSION } = require('..')

const repo = path.join(__dirname, '..', '..')
const examples = path.join(repo, 'examples')
const importFixtures = path.join(repo, 'core', 'tests', 'fixtures', 'import')

/** 16 bytes of an IPv6 address (the test's own parser: expands `::`). */
function pack(text) {
  let [head, tail] = text.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i))
  return out
}

/** Asserts that `fn` throws an error of `cls` whose `code` is `code`; returns it. */
function throwsCode(fn, cls, code, messagePattern) {
  let caught
  assert.throws(fn, (e) => {
    caught = e
    return true
  })
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${caught && caught.constructor.name}: ${caught}`)
  assert.equal(caught.code, code, caught.message)
  if (messagePattern) assert.match(caught.message, messagePattern)
  return caught
}

test('the version is the crate version', () => {
  assert.match(VERSION, /^\d+\.\d+\.\d+/)
})

test("the article's farm reports MO012 at DA2's client_prefix with the nearest free /59", () => {
  const farm = Farm.fromFile(path.join(examples, 'seed.toml'))
  assert.equal(farm.isValid, false)
  const diags = farm.check()
  assert.equal(diags.length, 1)
  const [d] = diags
  assert.equal(d.severity, 'error')
  assert.equal(d.code, 'MO012')
  assert.equal(d.server, 'DA2')
  assert.equal(d.field, 'client_prefix')
  assert.equal(d.line, 24)
  assert.equal(d.column, 17)
  assert.match(d.help, /2131:0:0:1020::\/59/)
  assert.match(d.rendered, /error\[MO012\]/)
  assert.deepEqual(farm.serverNames, ['DA1', 'DA2'])
})

test('an invalid farm throws MO_INVALID_FARM with every diagnostic', () => {
  const farm = Farm.fromFile(path.join(examples, 'seed.toml'))
  for (const use of [() => farm.table(), () => farm.render('tmsh'), () => farm.as3(), () => explain('2131::1', { farm })]) {
    const e = throwsCode(use, Error, 'MO_INVALID_FARM', /MO012/)
    assert.equal(e.diagnostics.length, 1)
    assert.equal(e.diagnostics[0].code, 'MO012')
    assert.equal(e.diagnostics[0].line, 24)
  }
})

test('a missing file throws MO_IO naming the file', () => {
  throwsCode(() => Farm.fromFile('/nonexistent/farm.toml'), Error, 'MO_IO', /\/nonexistent\/farm\.toml/)
})

test('the corrected farm steers each client prefix to its server', () => {
  const farm = Farm.fromFile(path.join(examples, 'seed-fixed.toml'))
  assert.deepEqual(farm.check(), [])
  const table = farm.table()
  assert.ok(table instanceof Table)
  assert.equal(table.servers.length, 2)
  assert.equal(table.routeCount, 2)
  const da1 = table.lookup('2131:0:0:1005::1')
  assert.deepEqual(da1, { index: 0, name: 'DA1', address: '2131::101', clientPrefix: '2131:0:0:1000::/59' })
  assert.equal(table.lookup('2131:0:0:1025::7').name, 'DA2')
  assert.equal(table.lookup(pack('2131:0:0:1025::7')).name, 'DA2')
  assert.equal(table.lookup(new Uint8Array(pack('2131:0:0:101f::1'))).name, 'DA1')
  assert.equal(table.lookup('2131:0:0:1040::1'), null)
  assert.equal(table.lookup(' 2131:0:0:1005::1 ').name, 'DA1')
  assert.equal(table.lookupIndex('2131:0:0:1025::7'), 1)
  assert.equal(table.lookupIndex('::1'), -1)
})

test('a method called on the wrong object throws instead of crashing', () => {
  const farm = Farm.fromFile(path.join(examples, 'seed-fixed.toml'))
  const table = farm.table()
  const map = new PrefixMap([['2001:db8::/32', 1]])
  const servers = Object.getOwnPropertyDescriptor(Table.prototype, 'servers').get
  for (const [fn, self] of [
    [Farm.prototype.check, table],
    [Farm.prototype.table, map],
    [Table.prototype.lookup, farm],
    [Table.prototype.lookupMany, map],
    [PrefixMap.prototype.lookup, table],
    [Table.prototype.lookup, {}],
    [servers, map],
  ]) {
    assert.throws(() => fn.call(self, '2131::1'), Error, fn.name)
  }
  assert.throws(() => new Table(), /constructor/)
})

test("each table's own lookup functions answer like the prototype methods, whatever the receiver", () => {
  // lookup and lookupIndex are per-table functions (the hot path, see src/fast.rs)
  // in front of the class methods of the same names
  const table = Farm.fromFile(path.join(examples, 'multisite.toml')).table()
  const other = Farm.fromFile(path.join(examples, 'seed-fixed.toml')).table()
  assert.ok(Object.hasOwn(table, 'lookup') && Object.hasOwn(table, 'lookupIndex'))
  assert.notEqual(table.lookup, other.lookup)
  const { lookup, lookupIndex } = table
  const inputs = [
    ...table.servers.map((s) => s.clientPrefix.split('/')[0].replace(/::$/, '::1')),
    '::', '::1', 'ffff::1', '2131::', `${' '.repeat(70)}2001:db8:1:1000::1`,
    '2001:0db8:0001:1000:0000:0000:0000:0001', '2001:db8:1:1000:0:0:1.2.3.4',
    pack('2131:0:0:1005::1'),
  ]
  for (const a of inputs) {
    const want = Table.prototype.lookup.call(table, a)
    assert.equal(table.lookup(a), want, String(a))
    assert.equal(lookup(a), want, `detached, ${a}`)
    assert.equal(lookup.call(other, a), want, `other receiver, ${a}`)
    assert.equal(lookupIndex.call(undefined, a), Table.prototype.lookupIndex.call(table, a))
  }
  // errors are the class methods' own, also for strings too long for the fast path
  for (const bad of ['2131::zz', 'x'.repeat(80), 42, undefined, Buffer.alloc(3), '\u00e9'.repeat(40)]) {
    let want
    assert.throws(() => Table.prototype.lookup.call(table, bad), (e) => { want = e; return true })
    const got = throwsCode(() => lookup(bad), want.constructor, want.code)
    assert.equal(got.message, want.message)
    throwsCode(() => lookupIndex(bad), want.constructor, want.code)
  }
  throwsCode(() => lookup(), TypeError, 'MO_INVALID_ADDRESS', /undefined/)
})

test("a PrefixMap's own lookup answers like the prototype method, whatever the receiver", () => {
  const map = new PrefixMap([['2001:db8::/32', 7], ['2001:db8:1::/48', 9]])
  assert.ok(Object.hasOwn(map, 'lookup'))
  assert.deepEqual(Object.keys(map), [])
  const { lookup } = map
  for (const a of ['2001:db8::1', '2001:db8:1::1', '::1', `${' '.repeat(70)}2001:db8:1::1`, pack('2001:db8:1::2')]) {
    const want = PrefixMap.prototype.lookup.call(map, a)
    assert.equal(map.lookup(a), want, String(a))
    assert.equal(lookup.call(null, a), want, `detached, ${a}`)
  }
  assert.equal(lookup('2001:db8:1::1'), 9)
  for (const bad of ['2001:db8::zz', 'y'.repeat(80), 7n, Buffer.alloc(15)]) {
    let want
    assert.throws(() => PrefixMap.prototype.lookup.call(map, bad), (e) => { want = e; return true })
    const got = throwsCode(() => lookup(bad), want.constructor, want.code)
    assert.equal(got.message, want.message)
  }
})

test('a detached lookup function outlives its table; dropped tables are freed', () => {
  const script = `
    const { Farm } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const file = ${JSON.stringify(path.join(examples, 'multisite.toml'))}
    let table = Farm.fromFile(file).table()
    const lookup = table.lookup
    const address = table.servers[1].clientPrefix.replace('::/59', '::1')
    const want = table.lookup(address).name
    table = null
    for (let i = 0; i < 2000; i++) Farm.fromFile(file).table().lookup(address)
    global.gc()
    const got = lookup(address)
    if (got === null || got.name !== want) throw new Error('lost ' + want)
    process.stdout.write('ok ' + got.name)
  `
  const { execFileSync } = require('node:child_process')
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })
  assert.match(out, /^ok \S+$/)
})

test('servers are frozen, stable objects shared with lookup', () => {
  const table = Farm.fromFile(path.join(examples, 'seed-fixed.toml')).table()
  const s = table.lookup('2131:0:0:1025::7')
  assert.equal(s, table.servers[1])
  assert.equal(table.servers, table.servers)
  assert.ok(Object.isFrozen(s) && Object.isFrozen(table.servers))
  assert.throws(() => { 'use strict'; s.name = 'DA9' }, TypeError)
  assert.equal(table.lookup('2131:0:0:1025::7').name, 'DA2')
  assert.deepEqual(Object.keys(table), [])
})

test('lookupMany over packed addresses matches single lookups', () => {
  const table = Farm.fromFile(path.join(examples, 'multisite.toml')).table()
  const addrs = []
  for (const s of table.servers) {
    const base = pack(s.clientPrefix.split('/')[0])
    for (let k = 0; k < 20; k++) {
      const a = Buffer.from(base)
      a[7] ^= k
      a[15] = k
      addrs.push(a)
    }
  }
  addrs.push(pack('::'), pack('ffff::1'))
  const many = table.lookupMany(Buffer.concat(addrs))
  assert.ok(many instanceof Int32Array)
  assert.equal(many.length, addrs.length)
  addrs.forEach((a, i) => assert.equal(many[i], table.lookupIndex(a), `address ${i}`))
  assert.ok(many.some((v) => v >= 0) && many.some((v) => v === -1))
  assert.deepEqual(table.lookupMany(Buffer.alloc(0)), new Int32Array(0))
})

test('bad addresses throw TypeError MO_INVALID_ADDRESS naming the value', () => {
  const table = Farm.fromFile(path.join(examples, 'seed-fixed.toml')).table()
  throwsCode(() => table.lookup('2131::zz'), TypeError, 'MO_INVALID_ADDRESS', /`2131::zz` is not an IPv6 address/)
  throwsCode(() => table.lookup('10.0.0.1'), TypeError, 'MO_INVALID_ADDRESS', /10\.0\.0\.1/)
  throwsCode(() => table.lookup(Buffer.alloc(4)), TypeError, 'MO_INVALID_ADDRESS', /16 bytes long, not 4/)
  throwsCode(() => table.lookup(42), TypeError, 'MO_INVALID_ADDRESS', /not number/)
  throwsCode(() => table.lookup(null), TypeError, 'MO_INVALID_ADDRESS', /not null/)
  throwsCode(() => table.lookup({}), TypeError, 'MO_INVALID_ADDRESS')
  throwsCode(() => table.lookup(new Uint16Array(8)), TypeError, 'MO_INVALID_ADDRESS')
  throwsCode(() => table.lookup('a\u0000b'), TypeError, 'MO_INVALID_ADDRESS', /a\\u\{0\}b/)
})

test('a packed buffer that is not a multiple of 16 bytes throws RangeError MO_INVALID_LENGTH', () => {
  const table = Farm.fromFile(path.join(examples, 'seed-fixed.toml')).table()
  throwsCode(() => table.lookupMany(Buffer.alloc(17)), RangeError, 'MO_INVALID_LENGTH', /not 17/)
  throwsCode(() => new PrefixMap([]).lookupMany(Buffer.alloc(15)), RangeError, 'MO_INVALID_LENGTH')
  assert.throws(() => table.lookupMany('2131::1'))
})

test('farms load from TOML, JSON and plain objects alike', () => {
  const toml = fs.readFileSync(path.join(examples, 'seed-fixed.toml'), 'utf8')
  const fromToml = Farm.fromToml(toml, 'fixed.toml')
  const obj = {
    farm: { name: 'article', internal_prefix: '2131::/48' },
    bigip: { partition: 'Common', vlans: ['internal'], monitor: 'gateway_icmp' },
    server: [
      { name: 'DA1', address: '2131::101', client_prefix: '2131:0:0:1000::/59' },
      { name: 'DA2', address: '2131::201', client_prefix: '2131:0:0:1020::/59' },
    ],
  }
  const fromJson = Farm.fromJson(JSON.stringify(obj, null, 2), 'fixed.json')
  const fromObject = Farm.fromObject(obj)
  for (const f of [fromToml, fromJson, fromObject]) {
    assert.equal(f.isValid, true)
    assert.equal(f.render('tmsh'), fromToml.render('tmsh'))
  }
})

test('JSON farm diagnostics carry line and column; object farms carry none', () => {
  const text = '{\n  "server": [\n    {"name": "DA1", "address": "2131::101", "client_prefix": "2131:0:0:1001::/59"}\n  ]\n}\n'
  const [d] = Farm.fromJson(text, 'bad.json').check()
  assert.equal(d.code, 'MO012')
  assert.equal(d.file, 'bad.json')
  assert.equal(d.line, 3)
  const [o] = Farm.fromObject(JSON.parse(text)).check()
  assert.equal(o.code, 'MO012')
  assert.equal(o.line, undefined)
  assert.equal(o.path, 'server[0].client_prefix')
  assert.equal(d.path, undefined)
})

test('fromObject rejects values of the wrong type with their key path', () => {
  const farm = Farm.fromObject({ server: [{ name: 'DA1', address: 42, client_prefix: '2131:0:0:1000::/59' }] })
  assert.equal(farm.isValid, false)
  const d = farm.check().find((x) => x.path === 'server[0].address')
  assert.ok(d, JSON.stringify(farm.check()))
  assert.equal(d.severity, 'error')
})

test('syntax errors and unknown keys are diagnostics, not exceptions', () => {
  const broken = Farm.fromToml('[[server]\nname = "DA1"\n', 'broken.toml')
  assert.equal(broken.isValid, false)
  assert.equal(broken.check()[0].line, 1)
  const typo = Farm.fromToml('[[server]]\nnmae = "DA1"\naddress = "2131::101"\nclient_prefix = "2131:0:0:1000::/59"\n')
  const codes = typo.check().map((d) => d.code)
  assert.ok(codes.length >= 1)
  assert.ok(typo.check().some((d) => /name/.test(d.help || '')), JSON.stringify(typo.check()))
})

test('render produces every target; netsh without an interface throws MO_INVALID_TARGET', () => {
  const farm = Farm.fromFile(path.join(examples, 'seed-fixed.toml'))
  const tmsh = farm.render('tmsh')
  assert.match(tmsh, /create ltm pool/)
  assert.match(tmsh, /2131:0:0:1020::/)
  assert.match(farm.render('tmsh-remove'), /delete ltm virtual/)
  assert.match(farm.render('bigip-conf'), /ltm virtual/)
  assert.match(farm.render('linux'), /ip -6 route/)
  assert.match(farm.render('netsh', { interface: 'Corp' }), /netsh interface ipv6 add route/)
  assert.deepEqual(JSON.parse(farm.render('as3')), farm.as3())
  assert.equal(farm.as3().class, 'AS3')
  throwsCode(() => farm.render('netsh'), TypeError, 'MO_INVALID_TARGET', /interface/)
  throwsCode(() => farm.render('cisco'), TypeError, 'MO_INVALID_TARGET', /cisco.*tmsh/)
})

test('audit names the planted mistake with its line; auditFix recreates only that server', () => {
  const farm = Farm.fromFile(path.join(examples, 'seed-fixed.toml'))
  const fixtures = path.join(repo, 'core', 'tests', 'fixtures', 'audit')
  assert.deepEqual(farm.audit(fs.readFileSync(path.join(fixtures, 'correct.conf'), 'utf8')), [])
  const broken = fs.readFileSync(path.join(fixtures, 'translate-address.conf'), 'utf8')
  const [d] = farm.audit(broken, 'box.conf')
  assert.equal(d.code, 'MO106')
  assert.equal(d.server, 'DA2')
  assert.equal(d.file, 'box.conf')
  assert.equal(d.line, 76)
  assert.match(d.rendered, /translate-address enabled/)
  const fix = farm.auditFix(broken)
  assert.match(fix, /tmsh create ltm virtual \/Common\/article_DA2_client/)
  assert.doesNotMatch(fix, /article_DA1/)
  assert.equal(farm.auditFix(fs.readFileSync(path.join(fixtures, 'correct.conf'), 'utf8')), '')
  throwsCode(() => Farm.fromFile(path.join(examples, 'seed.toml')).audit(broken), Error, 'MO_INVALID_FARM')
})

test('explain decodes RFC 4380 Teredo and names the owning server with a farm', () => {
  const t = explain('2001:0:4136:e378:8000:63bf:3fff:fdd2')
  assert.equal(t.kind, 'teredo')
  assert.equal(t.details.teredo_server, '65.54.227.120')
  assert.equal(t.details.client_ipv4, '192.0.2.45')
  assert.equal(t.details.client_port, 40000)
  assert.equal(t.steerable, false)
  const farm = Farm.fromFile(path.join(examples, 'seed-fixed.toml'))
  const e = explain(pack('2131:0:0:1025::7'), { farm })
  assert.equal(e.kind, 'ip-https')
  assert.equal(e.server, 'DA2')
  assert.equal(e.steerable, true)
  assert.equal(explain('2131:0:0:1025::7').server, null)
  for (const notAFarm of ['farm.toml', {}, farm.table(), new PrefixMap([]), null]) {
    throwsCode(() => explain('2131::1', { farm: notAFarm }), TypeError, 'MO_INVALID_TYPE', /options\.farm must be a Farm/)
  }
  assert.equal(explain('2131::1', {}).server, null)
})

test("a cluster's addresses go to the node holding the /64, never the VIP", () => {
  const farm = Farm.fromFile(path.join(examples, 'cluster.toml'))
  assert.deepEqual(farm.check(), [])
  const table = farm.table()
  for (const [address, node, hop] of [
    ['2131:0:0:1000::7', 'DA-NODE1', '2131::11'],
    ['2131:0:0:1001:ffff::1', 'DA-NODE2', '2131::12'],
  ]) {
    const s = table.lookup(address)
    assert.equal(s.name, node)
    assert.equal(s.entryPoint, 'Cluster1')
    assert.equal(s.address, hop)
    assert.match(s.clientPrefix, /\/64$/)
  }
  assert.equal(table.lookup('2131:0:0:1011::7'), null)
  const e = explain('2131:0:0:1001::7', { farm })
  assert.deepEqual([e.server, e.entry_point, e.steerable], ['DA-NODE2', 'Cluster1', true])
})

test('importDaServer reads Get-DAServer output and names other cmdlets', () => {
  const fl = fs.readFileSync(path.join(importFixtures, 'get-daserver-fl.txt'))
  const records = importDaServer(fl, 'da.txt')
  assert.ok(records.length >= 1)
  assert.match(records[0].clientPrefix, /\/\d+$/)
  const ft = fs.readFileSync(path.join(importFixtures, 'get-daserver-ft.txt'), 'utf8')
  assert.deepEqual(importDaServer(ft).map((r) => r.clientPrefix), ['2131:0:0:1000::/59'])
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ft, 'utf16le')])
  assert.deepEqual(importDaServer(utf16), importDaServer(ft))
  const ep = fs.readFileSync(path.join(importFixtures, 'get-daentrypoint-ft.txt'))
  throwsCode(() => importDaServer(ep, 'ep.txt'), Error, 'MO_IMPORT', /Get-DAEntryPoint/)
  throwsCode(() => importDaServer(''), Error, 'MO_IMPORT')
})

test('PrefixMap: longest match wins, last value wins for a repeated prefix', () => {
  const m = new PrefixMap([
    ['2001:db8::/32', 7],
    ['2001:db8:1::/48', 8],
    ['::/0', 0],
    ['2001:db8:1::/48', 9],
  ])
  assert.equal(m.size, 3)
  assert.equal(m.lookup('2001:db8::1'), 7)
  assert.equal(m.lookup('2001:db8:1::1'), 9)
  assert.equal(m.lookup('3000::1'), 0)
  assert.equal(new PrefixMap([]).lookup('::1'), null)
})

test('PrefixMap rejects bad entries with a specific code', () => {
  throwsCode(() => new PrefixMap([['2001:db8::1/32', 1]]), TypeError, 'MO_INVALID_PREFIX', /host bits.*2001:db8::\/32/)
  throwsCode(() => new PrefixMap([['2001:db8::', 1]]), TypeError, 'MO_INVALID_PREFIX', /address\/length/)
  throwsCode(() => new PrefixMap([['2001:db8::/32']]), TypeError, 'MO_INVALID_PREFIX', /entries\[0\] must be a \[prefix: string, value: number\] pair/)
  throwsCode(() => new PrefixMap([['2001:db8::/32', -1]]), RangeError, 'MO_INVALID_VALUE', /-1/)
  throwsCode(() => new PrefixMap([['2001:db8::/32', 1.5]]), RangeError, 'MO_INVALID_VALUE')
  throwsCode(() => new PrefixMap([['2001:db8::/32', 2 ** 31]]), RangeError, 'MO_INVALID_VALUE')
  assert.equal(new PrefixMap([['2001:db8::/32', 2 ** 31 - 1]]).lookup('2001:db8::'), 2 ** 31 - 1)
})

// --- property-style comparison with a plain JS longest-match oracle ---

/** A small deterministic PRNG (xorshift32), so failures reproduce. */
function rng(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}

const toBig = (buf) => buf.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)
const FULL = (1n << 128n) - 1n
const maskOf = (len) => (len === 0 ? 0n : (FULL << BigInt(128 - len)) & FULL)
function toText(big) {
  const groups = []
  for (let i = 7; i >= 0; i--) groups.push(((big >> BigInt(16 * i)) & 0xffffn).toString(16))
  return groups.join(':')
}

test('PrefixMap.lookup and lookupMany agree with a JS longest-match oracle on random prefix sets', () => {
  for (let round = 0; round < 60; round++) {
    const next = rng(0x9e3779b9 ^ round)
    const n = 1 + (next() % 40)
    const entries = []
    const base = Buffer.alloc(16)
    for (let i = 0; i < 16; i++) base[i] = next() & 0xff
    for (let i = 0; i < n; i++) {
      // nested prefixes: random lengths around a shared base, some fully random
      const bytes = Buffer.from(base)
      if (next() % 4 === 0) for (let j = 0; j < 16; j++) bytes[j] = next() & 0xff
      else bytes[(next() % 16)] ^= 1 << (next() % 8)
      const len = [0, 1, 7, 32, 48, 59, 64, 127, 128][next() % 9] + 0 || next() % 129
      const net = toBig(bytes) & maskOf(len)
      entries.push([`${toText(net)}/${len}`, next() % 1000])
    }
    // the oracle: last value wins per prefix, then the longest covering prefix
    const oracleMap = new Map()
    for (const [p, v] of entries) oracleMap.set(p, v)
    const oracle = [...oracleMap].map(([p, v]) => {
      const [a, l] = p.split('/')
      return { net: toBig(pack(a)), len: Number(l), v }
    })
    const lookupOracle = (big) => {
      let best = null
      for (const e of oracle) if ((big & maskOf(e.len)) === e.net && (best === null || e.len > best.len)) best = e
      return best === null ? null : best.v
    }
    const map = new PrefixMap(entries)
    assert.equal(map.size, oracleMap.size)
    const queries = []
    for (let q = 0; q < 200; q++) {
      let big
      if (q % 3 === 0) {
        big = 0n
        for (let j = 0; j < 4; j++) big = (big << 32n) | BigInt(next())
      } else {
        const e = oracle[next() % oracle.length]
        let noise = 0n
        for (let j = 0; j < 4; j++) noise = (noise << 32n) | BigInt(next())
        big = e.net | (noise & ~maskOf(e.len) & FULL)
      }
      queries.push(big)
    }
    const packed = Buffer.concat(queries.map((b) => pack(toText(b))))
    const many = map.lookupMany(packed)
    queries.forEach((big, i) => {
      const want = lookupOracle(big)
      assert.equal(map.lookup(toText(big)), want, `round ${round}: ${toText(big)} in ${JSON.stringify(entries)}`)
      assert.equal(many[i], want === null ? -1 : want)
    })
  }
})

test('PrefixMap.apply builds the next map and leaves this one; bad changes throw, applying nothing', () => {
  const m = new PrefixMap([['2001:db8::/32', 7]])
  const next = m.apply([['2001:db8:1::/48', 9], ['2001:db8::/32', null], ['2001:db8:2::/48', null]])
  assert.ok(next instanceof PrefixMap)
  assert.equal(next.size, 1)
  assert.equal(next.lookup('2001:db8:1::1'), 9)
  assert.equal(next.lookup('2001:db8:5::1'), null)
  assert.equal(m.lookup('2001:db8:5::1'), 7)
  // the new map's own fast lookup and lookupMany agree
  assert.equal(PrefixMap.prototype.lookup.call(next, '2001:db8:1::1'), 9)
  assert.deepEqual([...next.lookupMany(pack('2001:db8:1::1'))], [9])
  assert.equal(m.apply([['2001:db8::/32', 1], ['2001:db8::/32', 3]]).lookup('2001:db8::1'), 3)
  throwsCode(() => m.apply([['2001:db8:1::/48', 1], ['2001:db8::1/32', null]]), TypeError, 'MO_INVALID_PREFIX', /host bits/)
  throwsCode(() => m.apply([['2001:db8::/32']]), TypeError, 'MO_INVALID_PREFIX', /changes\[0\] must be a \[prefix: string, value: number \| null\] pair/)
  throwsCode(() => m.apply([['2001:db8::/32', -1]]), RangeError, 'MO_INVALID_VALUE', /changes\[0\]/)
  assert.equal(m.size, 1)
})

test('applied PrefixMaps agree with a JS longest-match oracle over random batches', () => {
  for (let round = 0; round < 30; round++) {
    const next = rng(0x51ed27 ^ round)
    const base = Buffer.alloc(16)
    for (let i = 0; i < 16; i++) base[i] = next() & 0xff
    const randomPrefix = () => {
      const bytes = Buffer.from(base)
      if (next() % 4 === 0) for (let j = 0; j < 16; j++) bytes[j] = next() & 0xff
      else bytes[next() % 16] ^= 1 << next() % 8
      const len = [0, 8, 20, 32, 48, 59, 64, 127, 128][next() % 9]
      return `${toText(toBig(bytes) & maskOf(len))}/${len}`
    }
    const held = new Map()
    let map = new PrefixMap([])
    for (let batch = 0; batch < 4; batch++) {
      const changes = []
      for (let i = 0; i < 1 + (next() % 30); i++) {
        const p = next() % 3 === 0 && held.size > 0 ? [...held.keys()][next() % held.size] : randomPrefix()
        changes.push([p, next() % 3 === 0 ? null : next() % 5])
      }
      map = map.apply(changes)
      for (const [p, v] of changes) v === null ? held.delete(p) : held.set(p, v)
      const oracle = [...held].map(([p, v]) => {
        const [a, l] = p.split('/')
        return { net: toBig(pack(a)), len: Number(l), v }
      })
      assert.equal(map.size, held.size)
      const queries = []
      for (const e of oracle) queries.push(e.net, e.net | (~maskOf(e.len) & FULL))
      for (let q = 0; q < 50; q++) {
        let big = 0n
        for (let j = 0; j < 4; j++) big = (big << 32n) | BigInt(next())
        queries.push(big)
      }
      const many = map.lookupMany(Buffer.concat(queries.map((b) => pack(toText(b)))))
      queries.forEach((big, i) => {
        let best = null
        for (const e of oracle) if ((big & maskOf(e.len)) === e.net && (best === null || e.len > best.len)) best = e
        assert.equal(many[i], best === null ? -1 : best.v, `round ${round} batch ${batch}: ${toText(big)}`)
        assert.equal(map.lookup(toText(big)), best === null ? null : best.v)
      })
    }
  }
})

test('lookups run in worker threads while the main thread rebuilds tables', async () => {
  const script = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Farm } = require(workerData.pkg)
    const table = Farm.fromFile(workerData.farm).table()
    let ok = 0
    for (let i = 0; i < 20000; i++) {
      const s = table.lookup('2131:0:0:10' + (i % 2 ? '25' : '05') + '::' + (i % 65535).toString(16))
      if (s && s.name === (i % 2 ? 'DA2' : 'DA1')) ok++
    }
    parentPort.postMessage(ok)
  `
  const farm = path.join(examples, 'seed-fixed.toml')
  const workers = Array.from({ length: 4 }, () =>
    new Worker(script, { eval: true, workerData: { pkg: path.join(__dirname, '..'), farm } }))
  const results = workers.map((w) => new Promise((resolve, reject) => {
    w.on('message', resolve)
    w.on('error', reject)
  }))
  for (let i = 0; i < 200; i++) assert.equal(Farm.fromFile(farm).table().lookup('2131:0:0:1025::1').name, 'DA2')
  assert.deepEqual(await Promise.all(results), [20000, 20000, 20000, 20000])
})

test('aggregate and covering give the corporate routes', () => {
  assert.deepEqual(aggregate(['2131:0:0:1000::/59', '2131:0:0:1020::/59', '2131:0:0:1005::/64']), ['2131:0:0:1000::/58'])
  assert.equal(covering(['2131:0:0:1000::/59', '2131:0:0:1040::/59']), '2131:0:0:1000::/57')
  assert.equal(covering([]), null)
  throwsCode(() => aggregate(['2131::/48', 'nope']), TypeError, 'MO_INVALID_PREFIX', /prefixes\[1\]/)
})

test('the whole-path targets render with a dialect, and explain follows the path', () => {
  const farm = Farm.fromFile(path.join(examples, 'whole-path.toml'))
  assert.match(farm.render('corp-routes', { dialect: 'junos' }), /^set routing-options rib inet6\.0 static route 2131:0:0:1000::\/58 next-hop 2131::5$/m)
  assert.match(farm.render('client-firewall'), /-EdgeTraversalPolicy Allow/)
  assert.match(farm.render('da-mgmt'), /Add-DAMgmtServer -MgmtServer '2131::50'/)
  throwsCode(() => farm.render('corp-routes', { dialect: 'eos' }), TypeError, 'MO_INVALID_TARGET', /dialect/)
  assert.match(farm.render('l3fwd'), /^R2131:0:0:1000::\/59 0$/m)
  const e = explain('2131:0:0:1025::7', { farm })
  assert.equal(e.details.corp_route, '2131:0:0:1000::/58 via 2131::5')
})
