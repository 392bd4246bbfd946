// A typed usage example: `tsc -p test/tsconfig.json` checks it against index.d.ts
// (it is type-checked, not run; the behaviour is pinned by manageout.test.js).
import { Farm, PrefixMap, Table, explain, importDaServer } from '..'
import type { AuditReport, BigIpError, BigIpErrorCode, DeployReport, Diagnostic, Explanation, InvalidFarmError, PlanEntry, RenderTarget, Server } from '..'

const farm: Farm = Farm.fromFile('examples/seed-fixed.toml')
const diags: Diagnostic[] = farm.check()
for (const d of diags) {
  const where: string = d.line !== undefined ? `${d.file}:${d.line}:${d.column}` : '(no position)'
  const severity: 'error' | 'warning' = d.severity
  console.log(`${severity}[${d.code}] ${where}: ${d.message}${d.help ? ` (${d.help})` : ''}`)
}

let table: Table
try {
  table = farm.table()
} catch (e) {
  const err = e as InvalidFarmError
  const codes: string[] = err.diagnostics.map((d) => d.code)
  throw new Error(`${err.code}: ${codes.join(', ')}`)
}

const server: Readonly<Server> | null = table.lookup('2131:0:0:1005::1')
const name: string | undefined = server?.name
const prefix: string | undefined = server?.clientPrefix
const indexes: Int32Array = table.lookupMany(Buffer.alloc(32))
const all: ReadonlyArray<Readonly<Server>> = table.servers
const map = new PrefixMap([['2001:db8::/32', 7]])
const value: number | null = map.lookup(new Uint8Array(16))
const nextMap: PrefixMap = map.apply([['2001:db8:1::/48', 9], ['2001:db8::/32', null]])
const target: RenderTarget = 'tmsh'
const text: string = farm.render(target, { interface: 'Corp' })
const as3: Record<string, unknown> = farm.as3()
const why: Explanation = explain('2001:0:836b:2::1', { farm })
const steerable: boolean = why.steerable && why.details.note.length > 0
const prefixes: string[] = importDaServer('ClientIPv6Prefix : 2131:0:0:1000::/59\n').map((r) => r.clientPrefix)
const fromObject = Farm.fromObject({ server: [{ name: 'DA1', address: '2131::101', client_prefix: '2131:0:0:1000::/59' }] })

console.log(name, prefix, indexes, all, value, text, as3, steerable, prefixes, fromObject.isValid)

// @ts-expect-error a render target outside RenderTarget is a type error
farm.render('cisco')
// @ts-expect-error lookups take a string or bytes, not a number
table.lookup(42)

async function plan(url: string, password: string): Promise<string[]> {
  try {
    const report: DeployReport = await farm.deploy(url, { password, caFile: 'ca.pem', dryRun: true })
    const audit: AuditReport = await farm.auditBigip(url, { password, insecure: true, timeout: 5 })
    const line: number | null = audit.diagnostics[0].line
    console.log(line, report.applied, report.sync?.ran)
    return report.plan.map((c: PlanEntry) => `${c.action} ${c.path}`)
  } catch (e) {
    const failure = e as BigIpError
    const code: BigIpErrorCode = failure.code
    return [code, ...failure.problems]
  }
}
console.log(plan)
