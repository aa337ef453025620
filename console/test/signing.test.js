'use strict';
// The bytes the browser signs (public/accord-sign.js) and the documents the
// console writes (src/documents.js) are exactly what the policy library
// verifies: checked with the real accordctl (ACCORDCTL), signing with Node's
// Ed25519 in place of the browser's WebCrypto.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const AccordSign = require('../public/accord-sign.js');
const { appendSignature, withdrawalYaml } = require('../src/documents');
const { removeSignatureOf, stripSignatures } = require('../src/app');

const ctl = process.env.ACCORDCTL;
const root = path.resolve(__dirname, '../..');

test('browser signatures and withdrawals verify with accordctl', { skip: !ctl && 'ACCORDCTL is not set' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-sign-'));
  try {
    const doc = path.join(dir, 'a.yaml');
    fs.copyFileSync(path.join(root, 'deploy/agreements/ae-violence-cardiff.yaml'), doc);
    for (const p of ['nhs-lister-ae', 'csp-herts-analyst']) {
      execFileSync(ctl, ['keygen', '--out', path.join(dir, p)]);
      execFileSync(ctl, ['agreement', 'set-key', doc, '--party', p, '--public-key', path.join(dir, `${p}.pub`)]);
    }
    // One party signs with accordctl, the other as the browser does.
    execFileSync(ctl, ['agreement', 'sign', doc, '--key', path.join(dir, 'nhs-lister-ae.key')]);
    const fp = JSON.parse(execFileSync(ctl, ['agreement', 'fingerprint', '--json', doc], { encoding: 'utf8' }))[0].fingerprint;
    const key = fs.readFileSync(path.join(dir, 'csp-herts-analyst.key'), 'utf8');
    const sig = crypto.sign(null, Buffer.from(AccordSign.agreementMessage(fp)), key).toString('base64');
    const signed = appendSignature(fs.readFileSync(doc, 'utf8'),
      { party: 'csp-herts-analyst', fingerprint: fp, signed_at: '2026-12-02T10:00:00Z', signature: sig });
    fs.writeFileSync(doc, signed);
    const v = JSON.parse(execFileSync(ctl, ['agreement', 'verify', '--json', doc], { encoding: 'utf8' }));
    assert.equal(v.state, 'active');
    assert.deepEqual(v.parties.map((p) => p.signed), [true, true]);

    // A party that lists only its key's fingerprint: the signature carries the public key.
    const pub = fs.readFileSync(path.join(dir, 'csp-herts-analyst.pub'), 'utf8');
    const keyFp = `sha256:${crypto.createHash('sha256').update(crypto.createPublicKey(pub).export({ type: 'spki', format: 'der' })).digest('hex')}`;
    const fpOnly = path.join(dir, 'fp-only.yaml');
    const unsigned = removeSignatureOf(signed, 'csp-herts-analyst');
    const pemBlock = /( *)signing_key: \|\n(?: *-----BEGIN PUBLIC KEY-----\n.*\n *-----END PUBLIC KEY-----\n)/g;
    let n = 0;
    const fpDoc = unsigned.replace(pemBlock, (m, pad) => (++n === 2 ? `${pad}signing_key_fingerprint: "${keyFp}"\n` : m));
    assert.equal(n, 2);
    fs.writeFileSync(fpOnly, fpDoc);
    const fp2 = JSON.parse(execFileSync(ctl, ['agreement', 'fingerprint', '--json', fpOnly], { encoding: 'utf8' }))[0].fingerprint;
    const sig2 = crypto.sign(null, Buffer.from(AccordSign.agreementMessage(fp2)), key).toString('base64');
    fs.writeFileSync(fpOnly, appendSignature(fpDoc, { party: 'csp-herts-analyst', fingerprint: fp2, signed_at: '2026-12-02T10:00:00Z', signature: sig2, public_key: pub }));
    const v2 = JSON.parse(spawnSync(ctl, ['agreement', 'verify', '--json', fpOnly], { encoding: 'utf8' }).stdout);
    assert.equal(v2.parties.find((p) => p.party === 'csp-herts-analyst').signed, true, JSON.stringify(v2.parties));

    // A signature over another fingerprint is refused.
    const wrong = appendSignature(removeSignatureOf(signed, 'csp-herts-analyst'), { party: 'csp-herts-analyst', fingerprint: fp,
      signed_at: '2026-12-02T10:00:00Z', signature: crypto.sign(null, Buffer.from(AccordSign.agreementMessage(`sha256:${'0'.repeat(64)}`)), key).toString('base64') });
    fs.writeFileSync(doc, wrong);
    const r = spawnSync(ctl, ['agreement', 'verify', '--json', doc], { encoding: 'utf8' });
    const bad = JSON.parse(r.stdout);
    assert.equal(bad.parties.find((p) => p.party === 'csp-herts-analyst').signed, false);
    fs.writeFileSync(doc, signed);

    // A withdrawal, with non-ASCII and quotes in the reason, signed as the browser does.
    const w = { agreement: 'isa-herts-ae-violence', version: 1, fingerprint: fp, party: 'csp-herts-analyst',
      effective: AccordSign.rfc3339(new Date('2026-06-01T09:30:00.250Z')), reason: 'Revue de qualité: "données" \\ ok' };
    assert.equal(w.effective, '2026-06-01T09:30:00+00:00');
    const wsig = crypto.sign(null, Buffer.from(AccordSign.withdrawalMessage(w)), key).toString('base64');
    const wfile = path.join(dir, 'w.yaml');
    fs.writeFileSync(wfile, withdrawalYaml({ ...w, signature: wsig }));
    const wr = spawnSync(ctl, ['agreement', 'verify', '--json', '--at', '2026-07-01T00:00:00Z', '--withdrawal', wfile, doc], { encoding: 'utf8' });
    assert.equal(wr.stderr, '', 'accordctl warned that the withdrawal does not verify');
    assert.equal(JSON.parse(wr.stdout).state, 'withdrawn');
    // The same statement tampered with is ignored (a warning, still active).
    fs.writeFileSync(wfile, withdrawalYaml({ ...w, reason: 'something else', signature: wsig }));
    const tampered = spawnSync(ctl, ['agreement', 'verify', '--json', '--at', '2026-07-01T00:00:00Z', '--withdrawal', wfile, doc], { encoding: 'utf8' });
    assert.match(tampered.stderr, /not a valid withdrawal/);
    assert.equal(JSON.parse(tampered.stdout).state, 'active');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('appendSignature adds to an existing list and creates one when absent', () => {
  const base = 'id: x\nversion: 1\n';
  const one = appendSignature(base, { party: 'a', fingerprint: 'sha256:1', signed_at: 't', signature: 's' });
  assert.equal(one, 'id: x\nversion: 1\nsignatures:\n  - party: "a"\n    fingerprint: "sha256:1"\n    signed_at: "t"\n    signature: "s"\n');
  const two = appendSignature(one, { party: 'b', fingerprint: 'sha256:1', signed_at: 't', signature: 's',
    public_key: '-----BEGIN PUBLIC KEY-----\nAAA=\n-----END PUBLIC KEY-----\n' });
  assert.match(two, /signature: "s"\n  - party: "b"\n[\s\S]*public_key: \|\n      -----BEGIN PUBLIC KEY-----\n      AAA=\n/);
  assert.equal(appendSignature('a: 1\nsignatures: []\n', { party: 'p', fingerprint: 'f', signed_at: 't', signature: 's' }).split('\n')[1], 'signatures:');
  assert.equal(stripSignatures(two), base);
  assert.ok(!removeSignatureOf(two, 'a').includes('"a"'));
  assert.ok(removeSignatureOf(two, 'a').includes('party: "b"'));
});

test('canonical withdrawal bytes match nlohmann::json (sorted keys, ASCII escapes)', () => {
  const bytes = AccordSign.canonicalWithdrawal({ agreement: 'a', version: 3, fingerprint: 'f', party: 'p', effective: 'e', reason: 'é\u{1F600}\n"' });
  assert.equal(bytes, '{"agreement":"a","effective":"e","fingerprint":"f","party":"p","reason":"\\u00e9\\ud83d\\ude00\\n\\"","version":3}');
});
