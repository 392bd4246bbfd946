// Farm.deploy and Farm.auditBigip against the local test BIG-IP (test-bigip/,
// started as a process per test): Promises, the report shapes, typed errors.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const https = require('node:https')
const fs = require('node:fs')
const readline = require('node:readline')
const { spawn, execFileSync } = require('node:child_process')

const { Farm } = require('..')

const repo = path.join(__dirname, '..', '..')
const SEED = path.join(repo, 'examples', 'seed-fixed.toml')
const PARTITION = path.join(repo, 'bigip', 'tests', 'fixtures', 'partition.toml')
const PASSWORD = 'node-s3cret"\' pass'

/** The test BIG-IP binary: $MANAGEOUT_TEST_BIGIP (scripts/test sets it), else built. */
function binary() {
  if (process.env.MANAGEOUT_TEST_BIGIP) return process.env.MANAGEOUT_TEST_BIGIP
  execFileSync('cargo', ['build', '-q', '-p', 'manageout-test-bigip'], { cwd: repo, stdio: 'inherit' })
  const target = process.env.CARGO_TARGET_DIR || path.join(repo, 'target')
  return path.join(target, 'debug', 'manageout-test-bigip')
}

/** Runs `body(box)` with a test BIG-IP of these behaviours, then stops it. */
async function withBigip(behaviour, body) {
  const child = spawn(binary(), [JSON.stringify({ password: PASSWORD, ...behaviour })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout })
    rl.once('line', (l) => { rl.close(); resolve(l) })
    child.once('error', reject)
  })
  const { url, ca_file: caFile } = JSON.parse(line)
  const state = () => new Promise((resolve, reject) => {
    https.get(`${url}/__test__/state`, { ca: fs.readFileSync(caFile) }, (res) => {
      let text = ''
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve(JSON.parse(text)))
    }).on('error', reject)
  })
  try {
    await body({ url, caFile, state })
  } finally {
    child.stdin.end()
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

test('deploy dry-runs by default, applies with dryRun false, then finds nothing to change', async () => {
  const farm = Farm.fromFile(SEED)
  await withBigip({}, async ({ url, caFile, state }) => {
    const dry = await farm.deploy(url, { password: PASSWORD, caFile })
    assert.equal(dry.applied, false)
    assert.deepEqual(dry.results, [])
    assert.equal(dry.sync, null)
    assert.deepEqual(dry.plan.map((c) => [c.action, c.class, c.server]), [
      ['create', 'Service_L4', 'DA1'], ['create', 'Pool', 'DA1'],
      ['create', 'Service_L4', 'DA2'], ['create', 'Pool', 'DA2'],
    ])
    assert.equal(dry.plan[0].prefix, '2131:0:0:1000::/59')
    assert.deepEqual((await state()).tenants, {})
    const done = await farm.deploy(url, { password: PASSWORD, caFile, dryRun: false })
    assert.equal(done.applied, true)
    assert.equal(done.results[0].message, 'success')
    assert.deepEqual((await farm.deploy(url, { password: PASSWORD, caFile })).plan, [])
    const s = await state()
    assert.deepEqual(s.live_tokens, [])
    assert.ok(s.received.every((r) => r.problems.length === 0))
  })
})

test('another application in the tenant survives a deploy', async () => {
  const other = { class: 'Application', template: 'generic',
    web_pool: { class: 'Pool', members: [{ servicePort: 80, serverAddresses: ['10.0.0.11'] }] } }
  const farm = Farm.fromFile(PARTITION)
  await withBigip({ tenants: { Mgmt: { class: 'Tenant', web_app: other } } }, async ({ url, caFile, state }) => {
    const done = await farm.deploy(url, { password: PASSWORD, caFile, dryRun: false })
    assert.deepEqual(done.sync, { group: '/Common/failover-group', ran: true, status: 'In Sync' })
    const tenant = (await state()).tenants.Mgmt
    assert.deepEqual(tenant.web_app, other)
    assert.equal(tenant.lab_manageout.lab_DA1_pool.class, 'Pool')
  })
})

for (const [what, behaviour, password, code] of [
  ['wrong password', {}, 'wrong', 'MO_BIGIP_AUTH'],
  ['no AS3', { as3: false }, PASSWORD, 'MO_AS3_MISSING'],
  ['a 422', { reject: ['/Common/Shared/article_DA2_pool: bad'] }, PASSWORD, 'MO_BIGIP_REJECTED'],
  ['a box that stays busy', { busy: 1000000000 }, PASSWORD, 'MO_BIGIP_TIMEOUT'],
]) {
  test(`${what} rejects with ${code}, never showing the password`, async () => {
    const farm = Farm.fromFile(SEED)
    await withBigip(behaviour, async ({ url, caFile }) => {
      await assert.rejects(farm.deploy(url, { password, caFile, timeout: 0.5 }), (e) => {
        assert.ok(e instanceof Error)
        assert.equal(e.code, code)
        assert.ok(!String(e.message).includes(password) && !JSON.stringify(e).includes(password))
        if (code === 'MO_BIGIP_REJECTED') assert.match(e.problems[0], /^server DA2 \(pool article_DA2_pool\)/)
        return true
      })
    })
  })
}

test('an untrusted certificate rejects with MO_BIGIP_TLS; insecure connects', async () => {
  const farm = Farm.fromFile(SEED)
  await withBigip({}, async ({ url, caFile }) => {
    await assert.rejects(farm.deploy(url, { password: PASSWORD }), { code: 'MO_BIGIP_TLS' })
    assert.ok((await farm.deploy(url, { password: PASSWORD, insecure: true })).plan.length > 0)
    assert.throws(() => farm.deploy(url, { password: PASSWORD, insecure: true, caFile }), { code: 'MO_INVALID_VALUE' })
  })
})

test('auditBigip resolves to the findings at each object URL', async () => {
  const farm = Farm.fromFile(SEED)
  const stale = { name: 'old', partition: 'Common', fullPath: '/Common/old',
    destination: '/Common/2131:0:0:1000::.0', mask: 'ffff:ffff:ffff:ffe0::', disabled: true }
  await withBigip({ objects: { 'ltm/virtual': [stale] }, page_max: 1 }, async ({ url, caFile }) => {
    const report = await farm.auditBigip(url, { password: PASSWORD, caFile })
    const d = report.diagnostics.find((x) => x.code === 'MO108')
    assert.equal(d.file, `${url}/mgmt/tm/ltm/virtual/~Common~old`)
    assert.equal(d.line, null)
    assert.equal(d.column, null)
    assert.ok(report.errors >= 1)
  })
})
