'use strict';
// Data-sharing health for one agency, from the ledger (what it sent and
// received, by day and flow) and the hub's metrics (what was refused and why).
// Only the agency's own rows: the hub's QueryDisclosures already returns only
// disclosures the caller made or received, and metrics are filtered here.
const { rejectionInWords } = require('./metrics');

const HOUR = 3600 * 1000;

function tsToDate(ts) {
  if (!ts) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1e6));
}

// disclosures: [{index, entry}], metrics: parsed samples or null,
// activeFlows: [{agreement, version, flow, from, to:[...]}] of in-force agreements,
// now: Date, quietHours: a flow with nothing for this long is "quiet".
function computeHealth({ agency, disclosures, metrics, activeFlows, now, quietHours = 24, days = 14 }) {
  const dayKeys = [];
  for (let i = days - 1; i >= 0; i--) dayKeys.push(new Date(now.getTime() - i * 24 * HOUR).toISOString().slice(0, 10));
  const byDay = Object.fromEntries(dayKeys.map((d) => [d, { day: d, sent: 0, received: 0 }]));
  const flows = new Map();
  const flowKey = (a, f, p) => `${a}\u0000${f}\u0000${p}`;
  for (const d of disclosures) {
    const e = d.entry;
    const at = tsToDate(e.disclosed_at);
    const day = at ? at.toISOString().slice(0, 10) : null;
    const sent = e.provider === agency;
    if (day && byDay[day]) byDay[day][sent ? 'sent' : 'received'] += 1;
    const k = flowKey(e.agreement_id, e.flow_id, `${e.provider}\u0000${e.recipient}`);
    let f = flows.get(k);
    if (!f) {
      f = { agreement: e.agreement_id, flow: e.flow_id, from: e.provider, to: e.recipient, count: 0, last: null };
      flows.set(k, f);
    }
    f.count += 1;
    if (at && (!f.last || at > f.last)) f.last = at;
  }
  for (const af of activeFlows) {
    for (const to of af.to) {
      if (af.from !== agency && to !== agency) continue;
      const k = flowKey(af.agreement, af.flow, `${af.from}\u0000${to}`);
      if (!flows.has(k)) flows.set(k, { agreement: af.agreement, flow: af.flow, from: af.from, to, count: 0, last: null });
      flows.get(k).active = true;
    }
  }
  const flowRows = [...flows.values()].map((f) => {
    const ageHours = f.last ? (now.getTime() - f.last.getTime()) / HOUR : Infinity;
    return { ...f, direction: f.from === agency ? 'sent' : 'received', ageHours,
      quiet: Boolean(f.active) && ageHours > quietHours };
  }).sort((a, b) => a.agreement.localeCompare(b.agreement) || a.flow.localeCompare(b.flow));

  const rejections = [];
  let quarantined = null;
  let metricsError = null;
  if (metrics) {
    for (const s of metrics) {
      if (s.name === 'accord_records_rejected_by_source_total' && s.labels.agency === agency && s.value > 0) {
        rejections.push({ dataset: s.labels.dataset, reason: s.labels.reason, words: rejectionInWords(s.labels.reason), count: s.value });
      }
      if (s.name === 'accord_records_quarantined_total') quarantined = s.value;
    }
  } else {
    metricsError = true;
  }
  rejections.sort((a, b) => b.count - a.count);
  const total = (k) => Object.values(byDay).reduce((n, d) => n + d[k], 0);
  return {
    byDay: Object.values(byDay), flows: flowRows, rejections, quarantined, hasQuarantined: quarantined !== null, metricsError,
    quiet: flowRows.filter((f) => f.quiet), sentTotal: total('sent'), receivedTotal: total('received'),
    maxDay: Math.max(1, ...Object.values(byDay).map((d) => d.sent + d.received)),
  };
}

module.exports = { computeHealth, tsToDate };
