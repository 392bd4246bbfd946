// The README's Node example runs as written (from the repository root).
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')

const repo = path.join(__dirname, '..', '..')

test("the README's Node example runs and its assertions hold", () => {
  const text = fs.readFileSync(path.join(repo, 'README.md'), 'utf8')
  const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  assert.ok(blocks.length > 0, 'the README has a Node example')
  const cwd = process.cwd()
  process.chdir(repo)
  try {
    for (const block of blocks) {
      const failures = []
      const console_ = {
        log: () => {},
        assert: (ok, ...rest) => { if (!ok) failures.push(rest.join(' ') || 'console.assert failed') },
      }
      const require_ = (id) => require(id.startsWith('.') ? path.join(repo, id) : id)
      vm.runInNewContext(block, { require: require_, console: console_, Buffer }, { filename: 'README.md' })
      assert.deepEqual(failures, [])
    }
  } finally {
    process.chdir(cwd)
  }
})
