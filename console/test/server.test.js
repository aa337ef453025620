'use strict';
// The console as an officer's browser meets it, over real HTTPS with client
// certificates, against a fake hub speaking the real accord.v1 protos over
// mTLS: the Keys page on the hub's key register (register, rotate, revoke,
// every change in the action log), the health page's quarantined records (the
// agency's own, or the hub-wide metric when the hub lacks the RPC), and
// officer certificate revocation (a CRL made with `openssl ca -gencrl`,
// reloaded without a restart).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { once } = require('node:events');
const { execFileSync } = require('node:child_process');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { makePki, startFakeHub } = require('./fixtures');
const { HubClient, protoDirDefault } = require('../src/hub');
const { ActionLog } = require('../src/actions');
const { createApp } = require('../src/app');
const { makeKeyRegistry, keyRegistrationMessage } = require('../src/keys');
const { createConsoleServer } = require('../src/server');
const AccordSign = require('../public/accord-sign');

const AGENCY = 'herts-police';

function request(port, pki, officer, method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    const req = https.request({
      host: 'localhost', port, method, path: urlPath, agent: false, ca: pki.read('ca.crt'),
      ...(officer ? { cert: pki.read(`${officer}.crt`), key: pki.read(`${officer}.key`) } : {}),
      headers: { 'sec-fetch-site': 'same-origin', ...(data ? { 'content-type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json' } : {}), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// One console for AGENCY against a fake hub; `state` is the fake hub's.
async function startConsole(t, state, extra = {}) {
  const pki = makePki(AGENCY);
  t.after(() => pki.cleanup());
  const fake = await startFakeHub(pki, state);
  t.after(() => fake.stop());
  const hub = new HubClient({ target: `localhost:${fake.port}`, ca: pki.file('ca.crt'), cert: pki.file('agency.crt'),
    key: pki.file('agency.key'), protoDir: protoDirDefault, timeoutSeconds: 10 });
  t.after(() => hub.close());
  const dataDir = path.join(pki.dir, 'data');
  fs.mkdirSync(dataDir);
  const app = createApp({ agency: AGENCY, hub, ctl: extra.ctl || {}, dataDir, actions: new ActionLog(dataDir),
    keyRegistry: makeKeyRegistry({ hub }), metricsUrl: extra.metricsUrl, clock: () => new Date('2026-12-02T12:00:00Z') });
  const logs = [];
  const crlFile = extra.crl ? pki.file('live-crl.pem') : undefined;
  if (crlFile) fs.copyFileSync(pki.crl(), crlFile);
  const { server, reloadCrl } = createConsoleServer({ cert: pki.read('console.crt'), key: pki.read('console.key'),
    ca: pki.read('ca.crt'), crlFile, log: (l) => logs.push(l) }, app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const port = server.address().port;
  const actions = () => {
    try { return fs.readFileSync(path.join(dataDir, 'actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)); } catch { return []; }
  };
  return { pki, port, state, reloadCrl, crlFile, logs, actions,
    get: (p, officer = 'officer-a') => request(port, pki, officer, 'GET', p),
    post: (p, body, officer = 'officer-a', headers) => request(port, pki, officer, 'POST', p, body, headers) };
}

const ts = (iso) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });
const fp = (c) => `sha256:${c.repeat(64)}`;

test('the browser\'s registration proof signs the bytes the hub checks', () => {
  const fingerprint = fp('a');
  const fromBrowser = Buffer.from(AccordSign.keyRegistrationMessage(AGENCY, fingerprint));
  assert.deepEqual(fromBrowser, keyRegistrationMessage(AGENCY, fingerprint));
  assert.deepEqual(fromBrowser, Buffer.concat([Buffer.from('accord.key-registration.v1\0herts-police\0'), Buffer.from(fingerprint)]));
});

test('keys page: the agency\'s registered keys with their state, and other agencies\' read-only', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [
    { agency: AGENCY, fingerprint: fp('1'), status: 'retired', registered_at: ts('2026-01-01T00:00:00Z'), retired_at: ts('2026-06-01T00:00:00Z') },
    { agency: AGENCY, fingerprint: fp('2'), status: 'current', registered_at: ts('2026-06-01T00:00:00Z') },
    { agency: AGENCY, fingerprint: fp('3'), status: 'revoked', registered_at: ts('2025-06-01T00:00:00Z'), revoked_at: ts('2025-07-01T00:00:00Z'), revoke_reason: 'lost laptop' },
    { agency: 'nhs-trust', fingerprint: fp('9'), status: 'current', registered_at: ts('2026-02-01T00:00:00Z') },
  ] });
  const r = await c.get('/keys');
  assert.equal(r.status, 200);
  const row = (f) => new RegExp(`data-key="${f}" data-state="([a-z]+)"`).exec(r.text);
  assert.equal(row(fp('1'))[1], 'rotated');
  assert.equal(row(fp('2'))[1], 'active');
  assert.equal(row(fp('3'))[1], 'revoked');
  assert.match(r.text, /Revoked 2025-07-01 00:00:00 UTC: lost laptop/);
  assert.match(r.text, /data-agency="nhs-trust" data-key="sha256:9{64}" data-state="active"/);
  assert.match(r.text, /id="key-form" data-agency="herts-police" data-mode="rotate"/, 'a current key is replaced, not registered again');
  assert.match(r.text, /href="\/keys\/revoke\?key=sha256%3A2{64}"/);
  assert.doesNotMatch(r.text, /href="\/keys\/revoke\?key=sha256%3A3/, 'a revoked key cannot be revoked again');
  assert.ok(c.state.calls.some((x) => x.rpc === 'ListKeys'));
  // The banner echoes only a fingerprint from the address.
  assert.doesNotMatch((await c.get('/keys?done=registered&key=Call%20this%20number')).text, /Call this number|id="key-done"/);
  assert.match((await c.get(`/keys?done=revoked&key=${encodeURIComponent(fp('2'))}`)).text, /id="key-done" data-done="revoked"/);
});

test('keys page: a hub without the key register is said in words', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [] });
  c.state.keys = null;  // the fake hub's ListKeys then fails
  const r = await c.get('/keys');
  assert.equal(r.status, 200);
  assert.match(r.text, /Could not read the hub&#39;s register of agency keys\./);
  assert.doesNotMatch(r.text, /INTERNAL|UNKNOWN|\b13\b/);
});

test('register: only the public key and the proof reach the hub, and the change is logged with the agency', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [] });
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
  const fingerprint = `sha256:${crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
  const page = await c.get('/keys');
  assert.match(page.text, /data-mode="register"/);
  assert.match(page.text, /id="no-registered-key"/);

  // A proof by another key is refused in words before the hub is asked.
  const other = crypto.generateKeyPairSync('ed25519').privateKey;
  const bad = await c.post('/keys/register', { mode: 'register', public_key: publicPem,
    proof: crypto.sign(null, keyRegistrationMessage(AGENCY, fingerprint), other).toString('base64') });
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.text).error.what, /proof that your agency holds the private key did not verify/);
  assert.ok(!c.state.calls.some((x) => x.rpc === 'RegisterKey'));

  const proof = crypto.sign(null, keyRegistrationMessage(AGENCY, fingerprint), privateKey).toString('base64');
  const ok = await c.post('/keys/register', { mode: 'register', public_key: publicPem, proof, reason: 'first key' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(JSON.parse(ok.text).redirect, `/keys?done=registered&key=${encodeURIComponent(fingerprint)}`);
  const call = c.state.calls.find((x) => x.rpc === 'RegisterKey').request;
  assert.equal(call.agency, AGENCY);
  assert.equal(call.public_key_pem, publicPem);
  assert.equal(call.reason, 'first key');
  assert.ok(crypto.verify(null, keyRegistrationMessage(AGENCY, fingerprint), publicKey, call.proof_of_possession));
  const logged = c.actions().find((a) => a.action === 'key-register');
  assert.equal(logged.agency, AGENCY);
  assert.equal(logged.officer, 'Officer A');
  assert.equal(logged.key, fingerprint);
  assert.equal(logged.key_log_index, '7');

  // Rotation goes to RotateKey and records the key it replaced.
  const rot = await c.post('/keys/register', { mode: 'rotate', public_key: publicPem, proof });
  assert.equal(rot.status, 200, rot.text);
  assert.ok(c.state.calls.some((x) => x.rpc === 'RotateKey'));
  assert.equal(c.actions().find((a) => a.action === 'key-rotate').previous_key, 'sha256:old');

  // The hub's refusal is in words for keys, with the hub's own detail.
  c.state.keyAnswer = () => { throw Object.assign(new Error('x'), { code: 9, details: "'herts-police' already has signing key sha256:abc" }); };
  const refused = await c.post('/keys/register', { mode: 'register', public_key: publicPem, proof });
  assert.equal(refused.status, 400);
  const e = JSON.parse(refused.text).error;
  assert.match(e.todo, /already has a current key, so replace it/);
  assert.match(e.detail, /already has signing key/);

  // A request from another site is refused.
  const foreign = await c.post('/keys/register', { mode: 'register', public_key: publicPem, proof }, 'officer-a', { 'sec-fetch-site': 'cross-site' });
  assert.equal(foreign.status, 400);
});

test('revoke: a reason and a confirmation are required, then the hub revokes and the change is logged', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [
    { agency: AGENCY, fingerprint: fp('2'), status: 'current', registered_at: ts('2026-06-01T00:00:00Z') },
  ] });
  const confirm = await c.get(`/keys/revoke?key=${encodeURIComponent(fp('2'))}`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /no signature made with this key counts/);
  const missing = await c.post('/keys/revoke', `key=${encodeURIComponent(fp('2'))}&reason=`);
  assert.equal(missing.status, 422);
  assert.match(missing.text, /Say why the key is revoked/);
  assert.match(missing.text, /Confirm that every signature made with this key should stop counting/);
  const unconfirmed = await c.post('/keys/revoke', `key=${encodeURIComponent(fp('2'))}&reason=lost`);
  assert.equal(unconfirmed.status, 422);
  assert.ok(!c.state.calls.some((x) => x.rpc === 'RevokeKey'));
  const done = await c.post('/keys/revoke', `key=${encodeURIComponent(fp('2'))}&reason=${encodeURIComponent('The laptop was lost')}&confirm=yes`);
  assert.equal(done.status, 303);
  assert.equal(done.headers.location, `/keys?done=revoked&key=${encodeURIComponent(fp('2'))}`);
  const call = c.state.calls.find((x) => x.rpc === 'RevokeKey').request;
  assert.deepEqual([call.agency, call.key_fingerprint, call.reason], [AGENCY, fp('2'), 'The laptop was lost']);
  const logged = c.actions().find((a) => a.action === 'key-revoke');
  assert.deepEqual([logged.agency, logged.officer, logged.key, logged.key_log_index], [AGENCY, 'Officer A', fp('2'), '9']);
  assert.equal(logged.reason, undefined, 'free text stays out of the action log');
  const unknown = await c.get(`/keys/revoke?key=${encodeURIComponent(fp('7'))}`);
  assert.equal(unknown.status, 400);
  assert.match(unknown.text, /has registered no key with that fingerprint/);
});

test('signing: a signature made with a key that is not the agency\'s registered key is not sent', async (t) => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const agreement = { id: 'isa', version: 1, title: 'ISA', fingerprint: fp('f'), state: 'PENDING_SIGNATURES', document: 'id: isa\n',
    parties: [{ party: AGENCY, role: 'provider', signed: false }] };
  const ctl = { show: async () => ({ parties: [{ id: AGENCY, signing_key: fp('2') }], flows: [] }),
    verify: async () => { throw new Error('must not be reached'); } };
  const c = await startConsole(t, { agreements: [agreement], calls: [], keys: [
    { agency: AGENCY, fingerprint: fp('2'), status: 'current', registered_at: ts('2026-06-01T00:00:00Z') },
  ] }, { ctl });
  const page = await c.get('/agreements/isa/1/sign');
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, new RegExp(`data-registered-key="${fp('2')}"`), 'the page knows the registered key, to warn before signing');
  const sig = crypto.sign(null, Buffer.from('x'), privateKey).toString('base64');
  const r = await c.post('/agreements/isa/1/sign', { fingerprint: fp('f'), signature: sig, public_key: publicKey.export({ type: 'spki', format: 'pem' }) });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).error.what, /not herts-police's registered key/);
  assert.ok(!c.state.calls.some((x) => x.rpc === 'SubmitAgreement'));
});

async function metricsServer(t, text) {
  const s = http.createServer((req, res) => res.end(text));
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => s.close(resolve)));
  return `http://127.0.0.1:${s.address().port}/metrics`;
}

test('health: this agency\'s quarantined records, reasons grouped, with the replay hint', async (t) => {
  const rec = (i, reason, dataset = 'ae_istv') => ({ handle: `h${i}`, record_id: `r${i}`, dataset, reason, quarantined_at: ts('2026-12-01T00:00:00Z') });
  const records = [];
  for (let i = 0; i < 1203; i++) records.push(rec(i, i % 3 ? 'field age is not in the agreement now in force' : 'the sealed record does not open', i % 2 ? 'ae_istv' : 'ae_2'));
  const metricsUrl = await metricsServer(t, 'accord_records_quarantined_total 5000\n');
  const c = await startConsole(t, { agreements: [], calls: [], keys: [], quarantine: { records, quarantined_ever: 1300 } }, { metricsUrl });
  const r = await c.get('/health');
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /id="quarantine" data-source="agency" data-total="1203"/);
  assert.match(r.text, /<strong>1203<\/strong> records from herts-police are held in quarantine \(1300 quarantined in all/);
  const rows = [...r.text.matchAll(/<tr class="govuk-table__row"><td class="govuk-table__cell">([^<]+)<\/td><td class="govuk-table__cell">([^<]*)<\/td><td class="govuk-table__cell govuk-table__cell--numeric">(\d+)<\/td><\/tr>/g)]
    .map((m) => [m[1], m[2], Number(m[3])]);
  assert.deepEqual(rows, [['field age is not in the agreement now in force', 'ae_2, ae_istv', 802], ['the sealed record does not open', 'ae_2, ae_istv', 401]]);
  assert.match(r.text, /accordctl quarantine replay/);
  assert.doesNotMatch(r.text, /5000/, 'the hub-wide metric is not shown when the agency\'s own count is known');
  assert.equal(c.state.calls.filter((x) => x.rpc === 'ListQuarantined').length, 2, 'two pages of at most 1000');
  assert.equal(c.state.calls.filter((x) => x.rpc === 'ListQuarantined')[1].request.after_handle, 'h999');
});

test('health: a hub without ListQuarantined falls back to the hub-wide metric, labelled as such', async (t) => {
  const metricsUrl = await metricsServer(t, 'accord_records_quarantined_total 4\n');
  const c = await startConsole(t, { agreements: [], calls: [], keys: [], quarantine: null }, { metricsUrl });
  const r = await c.get('/health');
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /id="quarantine" data-source="hub-wide" data-total="4"/);
  assert.match(r.text, /Whole hub, all agencies/);
  assert.match(r.text, /4 records across the whole hub \(all agencies, not only herts-police\)/);
  // The same when the service is not registered at all.
  const c2 = await startConsole(t, { agreements: [], calls: [], keys: [] }, { metricsUrl });
  assert.match((await c2.get('/health')).text, /data-source="hub-wide"/);
});

test('a revoked officer certificate is refused in words; a new CRL is applied without a restart', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [] }, { crl: true });
  assert.equal((await c.get('/keys', 'officer-a')).status, 200);
  assert.equal((await c.get('/keys', 'officer-b')).status, 200);

  fs.copyFileSync(c.pki.revoke('officer-b'), c.crlFile);
  assert.equal(c.reloadCrl(), true);
  assert.match(c.logs.at(-1), /reloaded the certificate revocation list/);
  const refused = await c.get('/keys', 'officer-b');
  assert.equal(refused.status, 403);
  assert.match(refused.text, /Your browser certificate has been revoked/);
  assert.equal((await c.get('/keys', 'officer-a')).status, 200, 'an officer whose certificate stands is still let in');

  // A broken CRL file keeps the revocations in force.
  fs.writeFileSync(c.crlFile, 'not a CRL');
  assert.equal(c.reloadCrl(), false);
  assert.match(c.logs.at(-1), /kept the previous certificate revocation list/);
  assert.equal((await c.get('/keys', 'officer-b')).status, 403);
});

test('a CRL written by accordctl pki revoke is applied', { skip: !process.env.ACCORDCTL && 'ACCORDCTL is not set' }, async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [] }, { crl: true });
  const out = execFileSync(process.env.ACCORDCTL, ['pki', 'revoke', '--dir', c.pki.dir, c.pki.file('officer-a.crt')], { encoding: 'utf8' });
  assert.match(out, /Certificate revocation list: .*ca\.crl/);
  fs.copyFileSync(c.pki.file('ca.crl'), c.crlFile);
  assert.equal(c.reloadCrl(), true);
  const refused = await c.get('/keys', 'officer-a');
  assert.equal(refused.status, 403);
  assert.match(refused.text, /Your browser certificate has been revoked/);
  assert.equal((await c.get('/keys', 'officer-b')).status, 200);
});

test('a connection opened before a new CRL serves no further request', async (t) => {
  const c = await startConsole(t, { agreements: [], calls: [], keys: [] }, { crl: true });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: c.pki.read('ca.crt'), cert: c.pki.read('officer-b.crt'), key: c.pki.read('officer-b.key') });
  t.after(() => agent.destroy());
  const get = () => new Promise((resolve, reject) => {
    https.get({ host: 'localhost', port: c.port, path: '/keys', agent }, (res) => { const { socket } = res; res.resume(); res.on('end', () => resolve({ statusCode: res.statusCode, socket })); }).on('error', reject);
  });
  const first = await get();
  assert.equal(first.statusCode, 200);
  const closed = once(first.socket, 'close');
  fs.copyFileSync(c.pki.revoke('officer-b'), c.crlFile);
  assert.equal(c.reloadCrl(), true);
  await closed;  // the server closed the idle kept-alive connection
  assert.equal((await get()).statusCode, 403, 'the new handshake is checked against the new CRL');
});

test('the console does not start with a CRL it cannot read', async (t) => {
  const pki = makePki(AGENCY);
  t.after(() => pki.cleanup());
  fs.writeFileSync(pki.file('bad.pem'), 'junk');
  const opts = (crlFile) => ({ cert: pki.read('console.crt'), key: pki.read('console.key'), ca: pki.read('ca.crt'), crlFile });
  assert.throws(() => createConsoleServer(opts(pki.file('bad.pem')), () => {}), /is not a CRL in PEM form/);
  assert.throws(() => createConsoleServer(opts(pki.file('none.pem')), () => {}), /cannot read the CRL .*no such file/);
});
