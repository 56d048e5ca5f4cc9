// The harness of the window's end-to-end test: an isolated Guise home, a fake
// browser launcher, the real app in `wails dev`, and a clean stop of every
// process it started. The test itself is window.test.mjs.
import { spawn, execFileSync } from 'node:child_process'
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Whether something accepts TCP connections on host:port. */
export function listening(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host })
    sock.setTimeout(1000)
    sock.once('connect', () => (sock.destroy(), resolve(true)))
    sock.once('timeout', () => (sock.destroy(), resolve(false)))
    sock.once('error', () => resolve(false))
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Polls fn until it returns a truthy value or `within` ms pass; then throws
 * `what` with whatever `explain` adds (logs). Never a guessed sleep.
 */
export async function waitFor(what, fn, { within, every = 250, explain = () => '' }) {
  const deadline = Date.now() + within
  let last
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    await sleep(every)
  }
  throw new Error(`${what} (waited ${Math.round(within / 1000)} s)${last ? `\nlast error: ${last.message}` : ''}${explain()}`)
}

/** Every descendant of pid, from /proc (children first found, then theirs). */
function descendants(pid) {
  const parent = new Map()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      // comm may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(d), ppid)
    } catch {
      // the process ended while we read
    }
  }
  const out = []
  const queue = [pid]
  while (queue.length) {
    const p = queue.shift()
    for (const [child, pp] of parent) if (pp === p) (out.push(child), queue.push(child))
  }
  return out
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    // A zombie (PID 1 of a container may not reap) is as good as gone.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/**
 * One isolated Guise: temp HOME and GUISE_HOME, the built-in Demo on its own
 * port, a fake xdg-open recording the launch URLs, and `wails dev` serving
 * the app with live Go bindings on devPort.
 */
export class Guise {
  constructor({ devPort = 34115, artifacts }) {
    this.devPort = devPort
    this.artifacts = artifacts
    this.root = mkdtempSync(path.join(tmpdir(), 'guise-window-'))
    this.home = path.join(this.root, 'home')
    this.bin = path.join(this.root, 'bin')
    this.opened = path.join(this.root, 'opened.txt')
    this.wailsLog = path.join(this.root, 'wails-dev.log')
    this.appLog = path.join(this.home, 'logs', 'guise.log')
    this.url = `http://localhost:${devPort}/`
    mkdirSync(this.bin, { recursive: true })
    // The launch URL holds a sign-in ticket: it stays in this temp dir.
    writeFileSync(path.join(this.bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${this.opened}'\n`, { mode: 0o755 })
  }

  /** The tail of the app log and of the wails dev output, for failure messages. */
  logs(lines = 60) {
    const tail = (f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n') : '(none yet)')
    return `\n--- ${this.appLog} (last ${lines} lines) ---\n${tail(this.appLog)}\n--- wails dev output (last ${lines} lines) ---\n${tail(this.wailsLog)}\n`
  }

  /** Keeps the logs beside the screenshots, so a CI failure can be read afterwards. */
  keepLogs() {
    mkdirSync(this.artifacts, { recursive: true })
    for (const [from, to] of [
      [this.appLog, 'window-guise.log'],
      [this.wailsLog, 'window-wails-dev.log'],
    ])
      if (existsSync(from)) copyFileSync(from, path.join(this.artifacts, to))
  }

  /** URLs the app asked the system browser to open, in order. */
  openedURLs() {
    return existsSync(this.opened) ? readFileSync(this.opened, 'utf8').split('\n').filter(Boolean) : []
  }

  /**
   * Runs a guise CLI command on this home while the window runs, with the
   * binary wails dev built (the same program: no subcommand opens the window).
   */
  cli(...args) {
    const dir = path.join(repoRoot, 'build', 'bin')
    const name = readdirSync(dir).find((f) => f.startsWith('guise-dev'))
    if (!name) throw new Error(`no guise-dev binary in ${dir}`)
    return execFileSync(path.join(dir, name), args, { env: this.env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] })
  }

  /** Starts `wails dev` and waits until the page and the Go side answer. */
  async start({ within }) {
    if (await listening(this.devPort)) {
      throw new Error(`Port ${this.devPort} is already in use (another \`wails dev\`?). Stop it, or set GUISE_DEVSERVER_PORT to a free port.`)
    }
    const demoAddr = `127.0.0.1:${await freePort()}`
    const wails = process.env.WAILS || 'wails'
    const env = { ...process.env }
    delete env.DBUS_SESSION_BUS_ADDRESS // set again below only when the caller gave one
    Object.assign(env, {
      PATH: `${this.bin}:${process.env.PATH}`,
      HOME: this.root, // keyring files and caches of anything the app starts stay in the temp dir
      GUISE_HOME: this.home,
      GUISE_DEMO_ADDR: demoAddr,
      NO_AT_BRIDGE: '1',
    })
    if (process.env.DBUS_SESSION_BUS_ADDRESS) env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS
    // Go's caches and settings stay where they are: HOME moved, so name them explicitly.
    for (const v of ['GOCACHE', 'GOMODCACHE', 'GOPATH', 'GOENV']) env[v] = process.env[v] || execFileSync('go', ['env', v], { encoding: 'utf8' }).trim()
    this.env = env
    const out = openSync(this.wailsLog, 'a')
    // -m: no `go mod tidy`; -nosyncgomod: leave go.mod alone; -skipbindings:
    // `make bindings-check` owns frontend/wailsjs; -s: `make frontend` built dist.
    const args = ['dev', '-m', '-nosyncgomod', '-skipbindings', '-s', '-nocolour', '-loglevel', 'Info', '-devserver', `localhost:${this.devPort}`]
    appendFileSync(this.wailsLog, `$ ${wails} ${args.join(' ')}\n`)
    this.proc = spawn(wails, args, { cwd: repoRoot, env, stdio: ['ignore', out, out], detached: true })
    this.exited = null
    this.proc.on('exit', (code, signal) => (this.exited = { code, signal }))
    this.proc.on('error', (e) => (this.exited = { error: e.message }))

    await waitFor(
      `wails dev did not serve ${this.url} with the Go side up`,
      async () => {
        if (this.exited) throw new Error(`wails dev exited early: ${JSON.stringify(this.exited)}${this.logs()}`)
        if (!(await listening(this.devPort))) return false
        const res = await fetch(this.url)
        return res.ok && (await res.text()).includes('/wails/ipc.js')
      },
      { within, every: 500, explain: () => this.logs() },
    )
    await waitFor('the built-in Demo identity provider did not start', () => existsSync(this.appLog) && readFileSync(this.appLog, 'utf8').includes('demo identity provider started'), {
      within: 30_000,
      explain: () => this.logs(),
    })
  }

  /**
   * Stops everything `wails dev` started: SIGINT first (wails then stops the
   * app and Vite and removes its binary), then SIGKILL to any process or
   * process group still there (Vite runs in a group of its own). Throws when
   * the dev server port is still taken afterwards.
   */
  async stop() {
    const p = this.proc
    if (!p) return
    this.proc = null
    let tree = descendants(p.pid)
    const groups = new Set([p.pid])
    if (!this.exited) {
      try {
        process.kill(p.pid, 'SIGINT')
      } catch {
        // already gone
      }
      const deadline = Date.now() + 15_000
      while (!this.exited && Date.now() < deadline) {
        tree = [...new Set([...tree, ...descendants(p.pid)])]
        await sleep(200)
      }
    }
    for (const pid of tree) {
      try {
        groups.add(Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[3]))
      } catch {
        // gone
      }
    }
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL')
      } catch {
        // no such group: already gone
      }
    }
    for (const pid of [p.pid, ...tree]) {
      try {
        if (alive(pid)) process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    await waitFor(`processes started by wails dev are still running: ${tree.filter(alive).join(' ')}`, () => [p.pid, ...tree].every((pid) => !alive(pid)), { within: 10_000 })
    await waitFor(`port ${this.devPort} is still taken after stopping wails dev`, async () => !(await listening(this.devPort)), { within: 10_000 })
  }
}
