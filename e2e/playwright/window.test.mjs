// End to end, issue 4: the real app in Wails dev mode (live Go bindings on
// http://localhost:34115) on a temp home with the built-in Demo, driven by
// playwright-core through Debian's chromium. Run it with `make test-window`,
// which provides Xvfb and a private session bus.
//
// Demo facts (backend/demo/seed.go, seed 1; checked with `guise users show`):
//   user_000001 sandra.ruiz@pioneerenergy.test     one organization (Pioneer Energy)
//   user_000005 lisa.evans@prosewaremotors.test    three organizations
//   user_000037 jacob.peterson@prosewareenergy.test admin, protected by the default policy
import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { Guise, repoRoot, waitFor } from './harness.mjs'

const ARTIFACTS = process.env.GUISE_ARTIFACTS || path.join(repoRoot, 'build', 'test-artifacts')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
// A cold `wails dev` compiles the app with debug flags (about a minute on
// two idle cores); a busy CI machine gets room, and a clear failure after.
const START_WITHIN = Number(process.env.GUISE_WINDOW_START_SECONDS || 600) * 1000
const AGENT = { email: 'agent.e2e@guise.test', name: 'E2E Agent' }
const MULTI_ORG = { id: 'user_000005', email: 'lisa.evans@prosewaremotors.test', prefix: 'lisa.ev' }
const SINGLE_ORG = { id: 'user_000001', email: 'sandra.ruiz@pioneerenergy.test', prefix: 'sandra.ru', org: 'Pioneer Energy' }
const PROTECTED = { id: 'user_000037', email: 'jacob.peterson@prosewareenergy.test', prefix: 'jacob.pet' }

const guise = new Guise({ devPort: Number(process.env.GUISE_DEVSERVER_PORT || 34115), artifacts: ARTIFACTS })
let browser
let page
let shot = 0
const shots = []
const timings = []

// make interrupted: still stop every process we started.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => guise.stop().finally(() => process.exit(130)))

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  for (const old of ['window-guise.log', 'window-wails-dev.log']) rmSync(path.join(ARTIFACTS, old), { force: true })
  const t0 = Date.now()
  await guise.start({ within: START_WITHIN })
  timings.push(['wails dev up', Date.now() - t0])
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  context.setDefaultTimeout(15_000)
  page = await context.newPage()
})

after(async () => {
  await browser?.close().catch(() => {})
  guise.keepLogs()
  await guise.stop()
  for (const [what, ms] of timings) console.log(`# ${what}: ${(ms / 1000).toFixed(1)} s`)
  console.log(`# screenshots in ${path.relative(repoRoot, ARTIFACTS)}: ${shots.join(' ')}`)
})

/** Runs one step, screenshots its end state, and on failure says which step with the logs. */
async function step(name, fn) {
  const t0 = Date.now()
  const file = `window-${String(++shot).padStart(2, '0')}-${name}.png`
  let target
  try {
    // A step may return another page (a browser tab) to screenshot instead.
    target = (await fn()) || page
  } catch (e) {
    await page?.screenshot({ path: path.join(ARTIFACTS, file.replace('.png', '-FAILED.png')) }).catch(() => {})
    throw new Error(`step "${name}" failed: ${e.message}${guise.logs()}`, { cause: e })
  }
  await target.screenshot({ path: path.join(ARTIFACTS, file) })
  shots.push(file)
  if (target !== page) await target.close()
  timings.push([name, Date.now() - t0])
}

/** A RegExp matching s literally. */
const literal = (s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))

const byId = (id) => page.locator(`[data-testid="user-row"][data-user-id="${id}"]`)

async function search(text) {
  await page.getByTestId('search-input').fill(text)
}

/** Waits until the results show user first: results follow typing, after a short debounce. */
async function firstIs(user) {
  let seen = ''
  await waitFor(`searching "${user.prefix}" puts ${user.id} (${user.email}) first`, async () => (seen = (await page.getByTestId('user-row').first().getAttribute('data-user-id', { timeout: 1000 })) || '') === user.id, {
    within: 10_000,
    explain: () => `; first row: ${seen || 'none'}`,
  })
}

async function openUser(user) {
  await search(user.prefix)
  await firstIs(user)
  await byId(user.id).click()
  await page.getByTestId('user-panel').getByText(user.email).first().waitFor()
}

test('search, impersonate with an org, banner, stop, history', { timeout: START_WITHIN + 180_000 }, async () => {
  await step('home', async () => {
    await page.goto(guise.url)
    await page.getByTestId('nav-users').waitFor()
    await waitFor('the built-in Demo is the current environment on first start', async () => (await page.getByTestId('env-switcher').inputValue()) === 'demo', {
      within: 15_000,
    })
    // Nobody said who they are yet: the app says so.
    await page.getByTestId('agent-missing').waitFor()
  })

  await step('settings-agent', async () => {
    await page.getByTestId('nav-settings').click()
    await page.getByTestId('agent-email').fill(AGENT.email)
    await page.getByTestId('agent-name').fill(AGENT.name)
    await page.getByTestId('agent-save').click()
    await page.getByTestId('agent-form').getByText('Saved.').waitFor()
    // Issue 11: where impersonations open, and which browser isolation would use (Debian's chromium here).
    assert.equal(await page.getByTestId('browser-system-radio').isChecked(), true, 'a new home opens impersonations in the system browser')
    assert.match(await page.getByTestId('browser-isolated').innerText(), /Isolated sessions use Chromium/)
  })

  await step('synced', async () => {
    await page.getByTestId('nav-users').click()
    assert.equal(await page.getByTestId('agent-missing').count(), 0, 'the agent notice goes once the agent is saved')
    await page.getByTestId('sync-button').click()
    await page.getByTestId('sync-status').filter({ hasText: /Last synced/ }).waitFor({ timeout: 60_000 })
    await page.getByTestId('user-row').first().waitFor()
  })

  await step('search-prefix', async () => {
    await search(MULTI_ORG.prefix)
    await firstIs(MULTI_ORG)
    const first = page.getByTestId('user-row').first()
    assert.match(await first.innerText(), literal(MULTI_ORG.email))
    assert.match(await first.innerText(), /3 orgs/, 'the several-orgs badge')
  })

  await step('user-panel', async () => {
    await byId(MULTI_ORG.id).click()
    const panel = page.getByTestId('user-panel')
    await panel.getByText(MULTI_ORG.email).first().waitFor()
    await panel.getByText('Organizations (3)').waitFor()
    assert.equal(await page.getByTestId('impersonate-button').isEnabled(), true)
  })

  await step('dialog-empty-reason-refused', async () => {
    await page.getByTestId('impersonate-button').click()
    const dialog = page.getByTestId('impersonate-dialog')
    await dialog.waitFor()
    // Several organizations: the picker is there and required.
    await page.getByTestId('confirm-impersonate').click()
    await page.getByTestId('org-error').waitFor()
    await page.getByTestId('reason-error').waitFor()
    // With an organization chosen, the empty reason alone still refuses.
    await page.getByTestId('org-select').selectOption({ index: 1 })
    await page.getByTestId('org-error').waitFor({ state: 'detached' })
    await page.getByTestId('confirm-impersonate').click()
    await page.getByTestId('reason-error').waitFor()
    assert.match(await page.getByTestId('reason-error').innerText(), /reason is required/i)
    assert.equal(await page.getByTestId('reason-input').getAttribute('aria-invalid'), 'true', 'the reason field is marked invalid')
    assert.equal(await dialog.isVisible(), true, 'the dialog stays open')
    assert.equal(await page.getByTestId('session-banner').count(), 0, 'nothing started')
    assert.deepEqual(guise.openedURLs(), [], 'no browser was opened')
  })

  let orgName
  await step('dialog-filled', async () => {
    const options = page.getByTestId('org-select').locator('option:not([value=""])')
    assert.equal(await options.count(), 3)
    const org = options.nth(1)
    orgName = (await org.innerText()).replace(/\s*\(.*\)$/, '')
    await page.getByTestId('org-select').selectOption(await org.getAttribute('value'))
    assert.equal(await page.getByTestId('reason-error').count(), 1, 'the reason error stays until a reason is typed')
    await page.getByTestId('reason-input').fill('Customer cannot see the billing page (e2e)')
    await page.getByTestId('ticket-input').fill('SUP-4242')
    await page.getByTestId('duration-input').fill('15')
    await page.getByTestId('reason-counter').filter({ hasText: /^\s*\d+ \/ \d+\s*$/ }).waitFor()
    assert.equal(await page.getByTestId('reason-error').count(), 0, 'the error goes once a reason is typed')
  })

  await step('banner', async () => {
    await page.getByTestId('confirm-impersonate').click()
    await page.getByTestId('impersonate-dialog').waitFor({ state: 'detached' })
    const item = page.getByTestId('banner-item')
    await item.waitFor()
    const text = await item.innerText()
    assert.match(text, literal(MULTI_ORG.email))
    assert.ok(text.includes(orgName), `the banner names the organization ${orgName}: ${text}`)
    // The countdown is live: it moves without any action.
    const first = await page.getByTestId('banner-countdown').innerText()
    assert.match(first, /^1[45]:\d\d$/, 'a 15-minute session')
    await waitFor('the banner countdown moves', async () => (await page.getByTestId('banner-countdown').innerText()) !== first, { within: 5_000 })
    await waitFor('the app opened the launch URL in the system browser', () => guise.openedURLs().length === 1, { within: 10_000, explain: () => guise.logs() })
  })

  await step('customer-app-staff-bar', async () => {
    // What the agent's browser shows: the launch URL opens the Demo customer
    // app signed in as the user, under a staff bar. The screenshot is of that tab.
    const tab = await page.context().newPage()
    await tab.goto(guise.openedURLs()[0])
    const bar = tab.locator('#staff-bar')
    await bar.waitFor()
    const text = await bar.innerText()
    assert.ok(text.includes(`Impersonated by ${AGENT.email}`) && text.includes('SUP-4242') && text.includes(orgName), `staff bar: ${text}`)
    return tab
  })

  await step('stopped-from-banner', async () => {
    await page.getByTestId('banner-stop').click()
    await page.getByTestId('banner-item').waitFor({ state: 'detached' })
    await page.getByTestId('banner-notice').filter({ hasText: `Stopped impersonating ${MULTI_ORG.email}` }).waitFor()
    // The panel's recent impersonations follow (session:ended from Go).
    const recent = page.getByTestId('user-panel').locator('.recent-sessions li').first()
    await recent.filter({ hasText: 'stopped' }).waitFor({ timeout: 5_000 })
  })

  await step('history-stopped', async () => {
    await page.getByTestId('nav-history').click()
    const row = page.getByTestId('history-row').filter({ hasText: MULTI_ORG.email })
    await row.waitFor()
    assert.equal(await row.count(), 1)
    const text = await row.innerText()
    for (const want of ['stopped', orgName, AGENT.email, 'SUP-4242', 'Customer cannot see the billing page (e2e)'])
      assert.ok(text.includes(want), `the history row shows "${want}": ${text}`)
  })

  await step('stopped-by-cli', async () => {
    // A session ended outside the window (here `guise stop --all` in another
    // process) leaves the banner within a second or two: Go tells the window.
    await page.getByTestId('nav-users').click()
    await openUser(SINGLE_ORG)
    await page.getByTestId('impersonate-button').click()
    await page.getByTestId('impersonate-dialog').getByText(SINGLE_ORG.org).waitFor() // one org: no picker
    assert.equal(await page.getByTestId('org-select').count(), 0)
    await page.getByTestId('reason-input').fill('Checking the invoice export (e2e)')
    await page.getByTestId('confirm-impersonate').click()
    await page.getByTestId('banner-item').filter({ hasText: SINGLE_ORG.email }).waitFor()
    const out = guise.cli('stop', '--all')
    assert.match(out, literal(SINGLE_ORG.email), `guise stop --all: ${out}`)
    await page.getByTestId('banner-item').waitFor({ state: 'detached', timeout: 5_000 })
  })

  await step('protected-admin-blocked', async () => {
    await page.getByTestId('nav-users').click()
    await openUser(PROTECTED)
    const button = page.getByTestId('impersonate-button')
    assert.equal(await button.isDisabled(), true, 'Impersonate is disabled for a protected admin')
    const why = await page.getByTestId('impersonate-blocked').innerText()
    assert.match(why, /Protected/, `the reason is shown: ${why}`)
    assert.match(why, /admin/)
    assert.equal(await button.getAttribute('aria-describedby'), 'impersonate-blocked', 'the reason describes the button')
  })
})
