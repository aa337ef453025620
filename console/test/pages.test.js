'use strict';
// The pure parts behind the pages: identity from a certificate, the
// partnership summary, health, metrics and errors in words.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { status } = require('@grpc/grpc-js');
const { agencyFromPeerCertificate } = require('../src/identity');
const { summarise } = require('../src/partnership');
const { computeHealth } = require('../src/health');
const { parsePrometheus, REJECT_WORDS } = require('../src/metrics');
const { HUB_WORDS, fromGrpc } = require('../src/errors');
const { agencyQuarantine, quarantineFromMetric } = require('../src/quarantine');

test('agency id from a certificate, read as the hub reads it', () => {
  assert.deepEqual(agencyFromPeerCertificate({ subject: { CN: 'Jo Bloggs' }, subjectaltname: 'URI:accord:agency:herts-police, DNS:other' }), { agency: 'herts-police' });
  assert.deepEqual(agencyFromPeerCertificate({ subject: { CN: 'x' }, subjectaltname: 'DNS:herts-police' }), { agency: 'herts-police' });
  assert.deepEqual(agencyFromPeerCertificate({ subject: { CN: 'herts-police' } }), { agency: 'herts-police' });
  assert.ok(agencyFromPeerCertificate({ subject: { CN: 'x' }, subjectaltname: 'URI:accord:agency:a1, URI:accord:agency:b2' }).error);
  assert.ok(agencyFromPeerCertificate({ subject: { CN: 'x' }, subjectaltname: 'URI:accord:agency:Bad Id' }).error);
  assert.ok(agencyFromPeerCertificate({ subject: { CN: 'Jo Bloggs' } }).error);
  assert.ok(agencyFromPeerCertificate({ subject: { CN: ['a1', 'b2'] } }).error);
  assert.ok(agencyFromPeerCertificate({ subject: { CN: '10.0.0.1' } }).error);
  assert.ok(agencyFromPeerCertificate({}).error);
});

const party = (p, signed, withdrawn = false) => ({ party: p, role: 'provider', signed, problem: signed ? '' : 'not signed', withdrawn });
const agreement = (id, version, state, extra) => ({ id, version, title: id, fingerprint: 'sha256:x', state, review_overdue: false,
  reason: '', valid_from: '2026-01-01', valid_until: '2027-12-31', review_by: '2027-06-30', parties: [party('me', true), party('them', true)], ...extra });

test('the partnership at a glance: who must sign, reviews and expiries', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const s = summarise([
    agreement('a', 1, 'ACTIVE', { review_by: '2026-12-20' }),
    agreement('b', 2, 'PENDING_SIGNATURES', { parties: [party('me', false), party('them', true)] }),
    agreement('c', 1, 'ACTIVE', { valid_until: '2027-01-15' }),
    agreement('d', 1, 'ACTIVE', { review_by: '2026-11-01', review_overdue: true }),
    agreement('e', 1, 'WITHDRAWN', { parties: [party('me', true), party('them', true, true)] }),
    agreement('f', 1, 'EXPIRED', { valid_until: '2026-11-30', review_by: '2026-06-01' }),
  ], now, 'me');
  assert.deepEqual(s.mustSign.map((r) => r.id), ['b']);
  assert.deepEqual(s.pending[0].unsigned, ['me']);
  assert.deepEqual(s.reviewSoon.map((r) => r.id), ['a']);
  assert.deepEqual(s.reviewOverdue.map((r) => r.id), ['d']);
  assert.deepEqual(s.expiringSoon.map((r) => r.id), ['c']);
  assert.deepEqual(s.withdrawn[0].withdrawnBy, ['them']);
  assert.equal(s.counts.ACTIVE, 3);
});

test('health: volumes by day, freshness, quiet flows and refusals in words, own agency only', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const at = (iso) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });
  const d = (provider, recipient, iso) => ({ entry: { provider, recipient, agreement_id: 'isa', flow_id: 'f1', disclosed_at: at(iso) } });
  const metrics = parsePrometheus([
    '# TYPE accord_records_rejected_by_source_total counter',
    'accord_records_rejected_by_source_total{agency="me",dataset="ds",reason="REJECT_NO_AGREEMENT"} 7',
    'accord_records_rejected_by_source_total{agency="other",dataset="ds",reason="REJECT_INVALID_VALUE"} 3',
    'accord_records_quarantined_total 2',
  ].join('\n'));
  const h = computeHealth({ agency: 'me', now, quietHours: 24, metrics,
    disclosures: [d('me', 'csp', '2026-12-02T09:00:00Z'), d('me', 'csp', '2026-12-01T09:00:00Z'), d('csp', 'me', '2026-11-10T09:00:00Z')],
    activeFlows: [{ agreement: 'isa', flow: 'f1', from: 'me', to: ['csp'] }, { agreement: 'isa2', flow: 'f9', from: 'police', to: ['me'] }] });
  assert.equal(h.byDay.length, 14);
  assert.equal(h.byDay[13].day, '2026-12-02');
  assert.equal(h.byDay[13].sent, 1);
  assert.equal(h.sentTotal, 2);
  assert.equal(h.receivedTotal, 0, 'a disclosure older than 14 days is not in the daily volumes');
  assert.deepEqual(h.rejections.map((r) => [r.reason, r.count]), [['REJECT_NO_AGREEMENT', 7]]);
  assert.match(h.rejections[0].words, /No agreement in force/);
  assert.equal(h.quarantined, 2);
  assert.deepEqual(h.quiet.map((f) => f.flow), ['f9']);
  assert.equal(h.flows.find((f) => f.flow === 'f1' && f.direction === 'sent').count, 2);
});

test('every rejection reason of accord.v1 and every hub status has words', () => {
  const proto = fs.readFileSync(path.resolve(__dirname, '../../proto/accord/v1/record.proto'), 'utf8');
  const reasons = [...proto.matchAll(/^\s*(REJECT_[A-Z0-9_]+)\s*=\s*\d+;/gm)].map((m) => m[1]).filter((r) => r !== 'REJECT_REASON_UNSPECIFIED');
  assert.ok(reasons.length >= 13);
  for (const r of reasons) assert.ok(REJECT_WORDS[r], `no words for ${r}`);
  for (const [name, code] of Object.entries(status)) {
    if (typeof code !== 'number' || name === 'OK' || name === 'UNKNOWN') continue;
    assert.ok(HUB_WORDS[code], `no words for ${name}`);
  }
  const e = fromGrpc('submit the agreement', { code: status.UNAVAILABLE, details: 'failed to connect to all addresses' });
  assert.equal(e.detail, '');
  assert.match(e.message, /^Could not submit the agreement\. The console cannot reach the hub\./);
  assert.doesNotMatch(e.message, /14|UNAVAILABLE/);
});

test('quarantine adapter: pages, groups reasons, UNIMPLEMENTED means fall back, other errors in words', async () => {
  const pages = [];
  const stub = (answers) => ({ listQuarantined: async (limit, after) => { pages.push([limit, after]); return answers.shift(); } });
  const q = await agencyQuarantine(stub([
    { total: '3', quarantined_ever: '5', records: [{ handle: 'a', dataset: 'd1', reason: 'R1' }, { handle: 'b', dataset: 'd2', reason: 'R2' }] },
    { total: '3', quarantined_ever: '5', records: [{ handle: 'c', dataset: 'd1', reason: 'R2' }] },
  ]));
  assert.deepEqual(pages, [[1000, ''], [1000, 'b']]);
  assert.deepEqual(q, { source: 'agency', total: 3, ever: 5, partial: false,
    reasons: [{ reason: 'R2', datasets: ['d1', 'd2'], count: 2 }, { reason: 'R1', datasets: ['d1'], count: 1 }] });
  // A hub that ignores after_handle does not make the console loop.
  const same = { total: '5', quarantined_ever: '5', records: [{ handle: 'a', reason: 'R' }] };
  const looped = await agencyQuarantine(stub([same, same, same]));
  assert.equal(looped.partial, true);
  assert.equal(looped.reasons[0].count, 2);
  const unimplemented = { listQuarantined: async () => { throw fromGrpc('read', { code: status.UNIMPLEMENTED }); } };
  assert.deepEqual(await agencyQuarantine(unimplemented), { source: 'unavailable' });
  const down = { listQuarantined: async () => { throw fromGrpc('read your agency\'s quarantined records', { code: status.UNAVAILABLE }); } };
  await assert.rejects(agencyQuarantine(down), /The console cannot reach the hub/);
  assert.deepEqual(quarantineFromMetric(parsePrometheus('accord_records_quarantined_total 4\n')), { source: 'hub-wide', total: 4 });
  assert.equal(quarantineFromMetric(null), null);
});
