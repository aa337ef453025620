// End-to-end test of the officers' console in Debian's Chromium (playwright-core,
// never a downloaded browser). run_console_e2e.sh starts the hub and one console
// per agency and passes their addresses in the environment; this file drives
// the whole life of an agreement through the browser (after refusing a missing,
// another agency's, and a revoked officer certificate):
//   1 draft with a lint error fixed, 2 diff against v1, 3 sign as each party in
//   turn, 4 active, 5 records flow, 6 health shows them, 7 withdraw, 8 flows
//   stop, 9 the ledger verifies, then the agency's key is revoked, a key made
//   in the browser registered and rotated to a key file
// with axe-core on every page (0 serious or critical violations) and a
// screenshot of each step in $OUT.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const ROOT = env('ACCORD_ROOT');
const OUT = env('E2E_OUT');
const WORK = env('E2E_WORK');
const BUILD = env('ACCORD_BUILD');
const AE = env('CONSOLE_AE_URL');       // nhs-lister-ae's console
const AN = env('CONSOLE_AN_URL');       // csp-herts-analyst's console
const HUB = env('HUB_ADDR');
const require = createRequire(path.join(ROOT, 'console/package.json'));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const ID = 'isa-herts-ae-violence';
const pki = path.join(WORK, 'pki');
const keys = path.join(WORK, 'keys');
let shot = 0;
const axeReport = [];
const openPages = [];

async function newOfficer(browser, url, agency, certDir = pki) {
  const origin = new URL(url).origin;
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, bypassCSP: true, viewport: { width: 1280, height: 900 },
    clientCertificates: agency ? [{ origin, certPath: path.join(certDir, `officer-${agency}.crt`), keyPath: path.join(certDir, `officer-${agency}.key`) }] : [],
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  openPages.push(page);
  page.on('pageerror', (e) => { throw new Error(`page error on ${page.url()}: ${e.message}`); });
  return { ctx, page, url };
}

// axe-core on the current page: fail on any serious or critical violation.
async function axe(page, name) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const serious = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeReport.push({ page: name, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) });
  assert.equal(serious.length, 0, `axe on ${name}: ${JSON.stringify(serious.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target) })), null, 1)}`);
}

async function step(page, name) {
  shot += 1;
  const file = path.join(OUT, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await axe(page, name);
  console.log(`ok ${shot} ${name}`);
}

// The hub writes disclosures to the ledger just after it acknowledges records:
// reload `url` until `selector` reads `want` (at most 30 s).
async function until(page, url, selector, want) {
  let got = null;
  for (let i = 0; i < 120; i++) {
    await page.goto(url);
    got = (await page.textContent(selector)).trim();
    if (got === want) return;
    await page.waitForTimeout(250);
  }
  assert.equal(got, want, `${selector} on ${url}`);
}

async function untilShown(page, url, selector) {
  for (let i = 0; i < 120; i++) {
    await page.goto(url);
    if (await page.locator(selector).count()) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`${selector} never appeared on ${url}`);
}

function publish(first, last) {
  // accord-connect as nhs-lister-ae: records first..last of the sample export.
  const lines = fs.readFileSync(path.join(ROOT, 'deploy/sample/ae_istv.csv'), 'utf8').split('\n');
  const csv = path.join(WORK, `ae_${first}_${last}.csv`);
  fs.writeFileSync(csv, [lines[0], ...lines.slice(first, last + 1)].join('\n') + '\n');
  try {
    return execFileSync(path.join(BUILD, 'connectors/connect/accord-connect'), ['publish', '--hub', HUB,
      '--ca', path.join(pki, 'ca.crt'), '--cert', path.join(pki, 'nhs-lister-ae.crt'), '--key', path.join(pki, 'nhs-lister-ae.key'),
      '--mapping', path.join(ROOT, 'deploy/mappings/ae_istv.yaml'), '--source', csv,
      '--dead-letter', path.join(WORK, `ae_${first}.dead.jsonl`), '--progress', 'none'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `${e.stdout || ''}${e.stderr || ''}`;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  // ---- Who may act: no certificate, or another agency's, is refused in words.
  {
    const anon = await newOfficer(browser, AE, null);
    const r = await anon.page.goto(AE);
    assert.equal(r.status(), 403);
    await anon.page.getByText('did not present a certificate').waitFor();
    await anon.ctx.close();
    const other = await newOfficer(browser, AE, 'csp-herts-analyst');
    const r2 = await other.page.goto(AE);
    assert.equal(r2.status(), 403);
    await other.page.getByText('but this console acts for nhs-lister-ae').waitFor();
    await step(other.page, 'refused-other-agency');
    await other.ctx.close();
    // A revoked officer certificate (accordctl pki revoke; the console's --crl).
    const leaver = await newOfficer(browser, AE, 'nhs-lister-ae', path.join(WORK, 'leaver'));
    const r3 = await leaver.page.goto(AE);
    assert.equal(r3.status(), 403);
    await leaver.page.getByText('Your browser certificate has been revoked').waitFor();
    await step(leaver.page, 'refused-revoked-certificate');
    await leaver.ctx.close();
  }

  const ae = await newOfficer(browser, AE, 'nhs-lister-ae');
  const an = await newOfficer(browser, AN, 'csp-herts-analyst');

  // ---- The partnership at a glance: v1 is in force.
  await ae.page.goto(AE);
  await ae.page.locator(`tr[data-agreement="${ID}"][data-version="1"][data-state="ACTIVE"]`).waitFor();
  await step(ae.page, 'overview');
  await ae.page.goto(`${AE}agreements/${ID}/1`);
  await ae.page.locator('#agreement-state[data-state="ACTIVE"]').waitFor();
  await ae.page.getByText('Only the postcode sector is sent').first().waitFor();
  await step(ae.page, 'agreement-plain-english');

  // ---- 1. Draft version 2 from version 1, with a lint error, then fixed.
  await ae.page.goto(`${AE}draft?from=${ID}&version=1`);
  const v1text = await ae.page.inputValue('#text');
  assert.ok(!v1text.includes('signatures:'), 'the draft starts without v1\'s signatures');
  const v2good = v1text.replace(/^version: 1$/m, 'version: 2')
    .replace(/triage_notes: drop( *#.*)?$/m, 'triage_notes: redact                # the CSP asked for injury context');
  assert.notEqual(v2good, v1text);
  const v2bad = v2good.replace(/^(\s*)sex: keep$/m, '$1sex: keeep');
  const badLine = v2bad.split('\n').findIndex((l) => /sex: keeep/.test(l)) + 1;
  assert.ok(badLine > 0);
  await ae.page.fill('#text', v2bad);
  await ae.page.locator('#lint-status[data-valid="no"]').waitFor();
  await ae.page.locator(`#lint-status li[data-line="${badLine}"][data-severity="error"]`).waitFor();
  await ae.page.locator(`#gutter .console-bad`).first().waitFor();
  await step(ae.page, 'draft-lint-error');
  await ae.page.fill('#text', v2good);
  await ae.page.locator('#lint-status[data-valid="yes"]').waitFor();
  await step(ae.page, 'draft-lint-fixed');

  // ---- 2. Compare with v1: the analyst GAINS triage notes (reveals more).
  await ae.page.click('#compare-button');
  await ae.page.locator('#diff tr[data-field="triage_notes"][data-change="gained"]').waitFor();
  await ae.page.getByText('GAINED, reveals more').first().waitFor();
  assert.equal(await ae.page.locator('.console-version-warning').count(), 0);
  await step(ae.page, 'diff-against-v1');
  // A change of meaning that keeps version 1 is called out.
  await ae.page.fill('#text', v2good.replace(/^version: 2$/m, 'version: 1'));
  await ae.page.locator('#lint-status[data-valid="yes"]').waitFor();
  await ae.page.click('#compare-button');
  await ae.page.locator('.console-version-warning').getByText('the version number is still 1').waitFor();
  await ae.page.fill('#text', v2good);
  await ae.page.locator('#lint-status[data-valid="yes"]').waitFor();

  // ---- Submit for signature.
  await ae.page.click('#submit-button');
  await ae.page.waitForURL(/\/agreements\/isa-herts-ae-violence\/2\?done=submitted/);
  await ae.page.locator('#agreement-state[data-state="PENDING_SIGNATURES"]').waitFor();

  // ---- 3. Sign as each party in turn (in the browser, key never uploaded).
  const uploads = [];
  for (const officer of [ae, an]) {
    officer.page.on('request', (req) => { if (req.method() === 'POST') uploads.push(req.postData() || ''); });
  }
  await ae.page.click('#sign-link');
  await ae.page.locator('#sign-form').waitFor();
  await step(ae.page, 'sign');
  // The wrong key (not the agency's registered key) is refused in words before
  // anything is sent.
  await ae.page.locator('#registered-key').waitFor();
  await ae.page.setInputFiles('#key-file', path.join(keys, 'csp-herts-analyst.key'));
  await ae.page.click('#sign-button');
  await ae.page.locator('#sign-error-text').getByText('is not your agency\'s registered key').waitFor();
  await ae.page.setInputFiles('#key-file', path.join(keys, 'nhs-lister-ae.key'));
  await ae.page.click('#sign-button');
  await ae.page.waitForURL(/done=signed/);
  await ae.page.locator('tr[data-party="nhs-lister-ae"][data-signed="yes"]').waitFor();
  await ae.page.locator('tr[data-party="csp-herts-analyst"][data-signed="no"]').waitFor();
  await ae.page.locator('#agreement-state[data-state="PENDING_SIGNATURES"]').waitFor();
  await step(ae.page, 'signed-by-first-party');

  await an.page.goto(AN);
  await an.page.locator('#must-sign-title').waitFor();
  await an.page.locator(`tr[data-agreement="${ID}"][data-version="2"][data-state="PENDING_SIGNATURES"]`).waitFor();
  await step(an.page, 'overview-pending-signature');
  await an.page.goto(`${AN}agreements/${ID}/2/sign`);
  await an.page.setInputFiles('#key-file', path.join(keys, 'csp-herts-analyst.key'));
  await an.page.click('#sign-button');
  await an.page.waitForURL(/done=signed/);

  // ---- 4. Active: every party signed; version 1 is superseded.
  await an.page.locator('#agreement-state[data-state="ACTIVE"]').waitFor();
  await step(an.page, 'active');
  for (const body of uploads) assert.ok(!body.includes('PRIVATE KEY'), 'a private key left the browser');
  const signedDoc = path.join(WORK, 'v2-from-hub.yaml');
  await an.page.goto(AN);
  await an.page.locator(`tr[data-agreement="${ID}"][data-version="1"][data-state="SUPERSEDED"]`).waitFor();

  // The signatures made in the browser verify with accordctl.
  const dl = await an.page.request.get(`${AN}agreements/${ID}/2/document.yaml`);
  fs.writeFileSync(signedDoc, await dl.text());
  const verify = JSON.parse(execFileSync(path.join(BUILD, 'hub/accordctl/accordctl'), ['agreement', 'verify', '--json', signedDoc], { encoding: 'utf8' }));
  assert.equal(verify.state, 'active');
  assert.ok(verify.parties.every((p) => p.signed));

  // ---- 5. Records flow.
  const sent = publish(1, 20).trim();
  console.log(sent);
  const accepted = /accepted (\d+)/.exec(sent);
  assert.ok(accepted && Number(accepted[1]) > 0, 'no records accepted');
  const n = accepted[1];

  // ---- 6. Health shows them (for the provider and the recipient).
  await until(an.page, `${AN}health`, '#received-total', n);
  await an.page.locator(`#flows tr[data-flow="ae-to-csp"][data-count="${n}"]`).waitFor();
  await step(an.page, 'health-recipient');
  await until(ae.page, `${AE}health`, '#sent-total', n);
  await ae.page.locator('#no-rejections').waitFor();
  // Quarantined records: this agency's (QuarantineService) or, from a hub
  // without that RPC, the hub-wide count labelled as such. None here.
  const qSource = await ae.page.getAttribute('#quarantine', 'data-source');
  assert.ok(['agency', 'hub-wide'].includes(qSource), `quarantine source ${qSource}`);
  assert.equal(await ae.page.getAttribute('#quarantine', 'data-total'), '0');
  if (qSource === 'hub-wide') await ae.page.locator('#quarantine-scope').getByText('Whole hub, all agencies').waitFor();
  await step(ae.page, 'health-provider');

  // ---- Keys: the hub's register (the key `accordctl key register` registered
  // is the agency's active key, the one its agreements name), and the other
  // party's public key, read only.
  await ae.page.goto(`${AE}keys`);
  const shownV2 = JSON.parse(execFileSync(path.join(BUILD, 'hub/accordctl/accordctl'), ['agreement', 'show', '--json', signedDoc], { encoding: 'utf8' }));
  const aeKey = shownV2.parties.find((p) => p.id === 'nhs-lister-ae').signing_key;
  const anKey = shownV2.parties.find((p) => p.id === 'csp-herts-analyst').signing_key;
  await ae.page.locator(`#my-keys tr[data-key="${aeKey}"][data-state="active"]`).waitFor();
  await ae.page.locator(`#other-keys tr[data-agency="csp-herts-analyst"][data-key="${anKey}"][data-state="active"]`).waitFor();
  assert.equal(await ae.page.locator('#other-keys a').count(), 0, 'another agency\'s keys are read only');
  await ae.page.locator('#signing-keys').getByText(aeKey).waitFor();
  await step(ae.page, 'keys');

  // ---- 7. Withdraw (signed in the browser): from v2, then from v1, which the
  // console warns would otherwise come back into force.
  await ae.page.goto(`${AE}agreements/${ID}/2`);
  await ae.page.click('#withdraw-link');
  await ae.page.locator('#other-versions-warning').getByText('version 1 comes back into force').waitFor();
  await ae.page.fill('#reason', 'Trust review of data quality');
  await ae.page.setInputFiles('#key-file', path.join(keys, 'nhs-lister-ae.key'));
  await step(ae.page, 'withdraw');
  await ae.page.click('#withdraw-button');
  await ae.page.waitForURL(/done=withdrawn/);
  await ae.page.goto(`${AE}agreements/${ID}/1/withdraw`);
  await ae.page.fill('#reason', 'Trust review of data quality');
  await ae.page.setInputFiles('#key-file', path.join(keys, 'nhs-lister-ae.key'));
  await ae.page.click('#withdraw-button');
  await ae.page.waitForURL(/done=withdrawn/);
  await ae.page.goto(AE);
  await ae.page.locator(`tr[data-agreement="${ID}"][data-version="1"][data-state="WITHDRAWN"]`).waitFor();
  await ae.page.locator(`tr[data-agreement="${ID}"][data-version="2"][data-state="WITHDRAWN"]`).waitFor();
  await ae.page.locator('#recent-actions').getByText('withdraw').first().waitFor();
  await step(ae.page, 'withdrawn');

  // ---- 8. Flows stop: new records are refused, and the refusal is in words.
  const refused = publish(21, 30).trim();
  console.log(refused);
  assert.match(refused, /accepted 0\b/);
  await untilShown(ae.page, `${AE}health`, '#rejections tr[data-reason="REJECT_NO_AGREEMENT"]');
  await ae.page.locator('#rejections tr[data-reason="REJECT_NO_AGREEMENT"]').getByText('No agreement in force covers these records').waitFor();
  assert.equal(await ae.page.textContent('#sent-total'), n);
  assert.equal(await ae.page.locator('text=REJECT_NO_AGREEMENT').count(), 0, 'a reason code shown instead of words');
  await step(ae.page, 'flows-stopped');
  await an.page.goto(`${AN}health`);
  assert.equal(await an.page.textContent('#received-total'), n);

  // ---- 9. The ledger verifies; a pin and a consistency check.
  await until(an.page, `${AN}ledger`, '#tree-size', n);
  await an.page.click('#pin-button');
  await an.page.locator('#pin-result').getByText(`Pinned the head of size ${n}`).waitFor();
  await an.page.click('#consistency-button');
  await an.page.locator('#consistency-result').getByText('Consistent').first().waitFor();
  await an.page.click('#verify-button');
  await an.page.locator('#verify-result[data-ok="yes"]').getByText('The ledger verifies').waitFor();
  await an.page.getByText(`${n} disclosures`).waitFor();
  await step(an.page, 'ledger-verified');

  // ---- Every action is in the action log with the acting agency.
  const log = fs.readFileSync(path.join(WORK, 'console-nhs-lister-ae/actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const a of ['submit', 'sign', 'withdraw']) {
    assert.ok(log.some((e) => e.action === a && e.agency === 'nhs-lister-ae'), `no ${a} in the action log`);
  }
  const anLog = fs.readFileSync(path.join(WORK, 'console-csp-herts-analyst/actions.jsonl'), 'utf8');
  assert.ok(anLog.includes('"action":"sign"') && anLog.includes('"agency":"csp-herts-analyst"'));

  // ---- Errors in words: a broken page address and the compare page.
  await an.page.goto(`${AN}agreements/no-such-agreement/1`);
  await an.page.getByText('The hub does not know that agreement or version').waitFor();
  await step(an.page, 'error-in-words');
  await an.page.goto(`${AN}compare?id=${ID}&from=1&to=2`);
  await an.page.locator('#diff tr[data-field="triage_notes"]').waitFor();
  await step(an.page, 'compare');

  // ---- Signed offline with accordctl, uploaded: version 3, then a withdrawal file.
  const ctl = path.join(BUILD, 'hub/accordctl/accordctl');
  const v3 = path.join(WORK, 'v3.yaml');
  fs.writeFileSync(v3, v2good.replace(/^version: 2$/m, 'version: 3'));
  execFileSync(ctl, ['agreement', 'sign', v3, '--key', path.join(keys, 'nhs-lister-ae.key')]);
  // A file with a forged signature is refused in words, and nothing is submitted.
  const forged = path.join(WORK, 'v3-forged.yaml');
  fs.writeFileSync(forged, fs.readFileSync(v3, 'utf8').replace(/signature: "([A-Za-z0-9+/])/, (m, c) => `signature: "${c === 'A' ? 'B' : 'A'}`));
  await ae.page.goto(`${AE}agreements/${ID}/2/sign`);
  await ae.page.setInputFiles('#signed-file', forged);
  await ae.page.getByRole('button', { name: 'Upload the signed file' }).click();
  await ae.page.locator('#error-what').getByText('A signature in the file does not verify').waitFor();
  execFileSync(ctl, ['agreement', 'sign', v3, '--key', path.join(keys, 'csp-herts-analyst.key')]);
  await ae.page.goto(`${AE}agreements/${ID}/2/sign`);
  await ae.page.setInputFiles('#signed-file', v3);
  await ae.page.getByRole('button', { name: 'Upload the signed file' }).click();
  await ae.page.waitForURL(/\/agreements\/isa-herts-ae-violence\/3\?done=uploaded/);
  await ae.page.locator('#agreement-state[data-state="ACTIVE"]').waitFor();
  const w3 = path.join(WORK, 'v3-withdrawal.yaml');
  execFileSync(ctl, ['agreement', 'withdraw', v3, '--key', path.join(keys, 'csp-herts-analyst.key'), '--reason', 'Offline test', '--output', w3]);
  await an.page.goto(`${AN}agreements/${ID}/3/withdraw`);
  await an.page.setInputFiles('#withdrawal-file', w3);
  await an.page.getByRole('button', { name: 'Upload the withdrawal' }).click();
  await an.page.waitForURL(/done=withdrawn/);
  await an.page.locator('#agreement-state[data-state="WITHDRAWN"]').waitFor();
  const anLog2 = fs.readFileSync(path.join(WORK, 'console-csp-herts-analyst/actions.jsonl'), 'utf8');
  assert.ok(anLog2.includes('"action":"withdraw-signed-file"'));

  // ---- Keys from the browser: revoke (a reason and a confirmation), register
  // a key made in the page (the private key is saved by the browser, never
  // sent), then rotate to a key file made by accordctl keygen.
  const fpOfKeyFile = (file) => `sha256:${crypto.createHash('sha256').update(crypto.createPublicKey(fs.readFileSync(file)).export({ type: 'spki', format: 'der' })).digest('hex')}`;
  const aePosts = [];
  ae.page.on('request', (req) => { if (req.method() === 'POST') aePosts.push(req.postData() || ''); });
  await ae.page.goto(`${AE}keys`);
  await ae.page.locator(`#my-keys tr[data-key="${aeKey}"] a`).click();
  await ae.page.locator('#revoke-key').getByText(aeKey).waitFor();
  await ae.page.fill('#reason', 'End-to-end test: the key is retired');
  await ae.page.click('#revoke-button');
  await ae.page.locator('#revoke-problems').getByText('Confirm that every signature made with this key should stop counting').waitFor();
  await step(ae.page, 'key-revoke-confirm');
  await ae.page.fill('#reason', 'End-to-end test: the key is retired');
  await ae.page.check('#confirm');
  await ae.page.click('#revoke-button');
  await ae.page.waitForURL(/\/keys\?done=revoked/);
  await ae.page.locator(`#my-keys tr[data-key="${aeKey}"][data-state="revoked"]`).waitFor();
  await ae.page.locator('#key-form[data-mode="register"]').waitFor();

  await ae.page.fill('#key-reason', 'Made in the console');
  const [download] = await Promise.all([ae.page.waitForEvent('download'), ae.page.click('#key-button')]);
  const browserKey = path.join(WORK, 'nhs-lister-ae-browser.key');
  await download.saveAs(browserKey);
  assert.match(fs.readFileSync(browserKey, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  await ae.page.waitForURL(/\/keys\?done=registered/);
  const browserFp = fpOfKeyFile(browserKey);
  await ae.page.locator(`#my-keys tr[data-key="${browserFp}"][data-state="active"]`).waitFor();
  await ae.page.locator('#key-done').getByText(browserFp).waitFor();
  await step(ae.page, 'key-registered');

  const fileKey = path.join(WORK, 'nhs-lister-ae-2');
  execFileSync(path.join(BUILD, 'hub/accordctl/accordctl'), ['keygen', '--out', fileKey]);
  await ae.page.check('#key-source-file');
  await ae.page.setInputFiles('#key-file', `${fileKey}.key`);
  await ae.page.click('#key-button');
  await ae.page.waitForURL(/\/keys\?done=rotated/);
  await ae.page.locator(`#my-keys tr[data-key="${fpOfKeyFile(`${fileKey}.key`)}"][data-state="active"]`).waitFor();
  await ae.page.locator(`#my-keys tr[data-key="${browserFp}"][data-state="rotated"]`).waitFor();
  for (const body of aePosts) assert.ok(!body.includes('PRIVATE KEY'), 'a private key left the browser');
  // The hub's own register agrees (accordctl key list, over the agency's certificate).
  const listed = execFileSync(path.join(BUILD, 'hub/accordctl/accordctl'), ['key', 'list', '--hub', HUB, '--ca', path.join(pki, 'ca.crt'),
    '--cert', path.join(pki, 'nhs-lister-ae.crt'), '--key', path.join(pki, 'nhs-lister-ae.key')], { encoding: 'utf8' });
  assert.ok(listed.includes(browserFp) && listed.includes(fpOfKeyFile(`${fileKey}.key`)), listed);
  const keyLog = fs.readFileSync(path.join(WORK, 'console-nhs-lister-ae/actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const a of ['key-revoke', 'key-register', 'key-rotate']) {
    assert.ok(keyLog.some((e) => e.action === a && e.agency === 'nhs-lister-ae'), `no ${a} in the action log`);
  }

  fs.writeFileSync(path.join(OUT, 'axe-report.json'), JSON.stringify(axeReport, null, 1));
  console.log(`console e2e: all steps passed; screenshots in ${OUT}`);
} catch (e) {
  // Leave what each browser showed for whoever reads the failure.
  for (const [i, page] of openPages.entries()) {
    try {
      await page.screenshot({ path: path.join(OUT, `failure-${i}.png`), fullPage: true });
      fs.writeFileSync(path.join(OUT, `failure-${i}.html`), await page.content());
    } catch { /* the page may be closed */ }
  }
  throw e;
} finally {
  await browser.close();
}
