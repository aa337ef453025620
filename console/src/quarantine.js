'use strict';
// This agency's quarantined records (records the hub accepted but could not
// process, kept sealed until replayed or swept), from the hub's
// QuarantineService.ListQuarantined (proto/accord/v1/quarantine_service.proto).
// The hub answers only about the caller: the console's own agency certificate.
//
// A hub without that RPC answers UNIMPLEMENTED; the health page then falls back
// to the hub-wide accord_records_quarantined_total metric and says that it is
// hub-wide (quarantineFromMetric).
const { status } = require('@grpc/grpc-js');

// At most this many records are read for the reasons (10 pages of 1000); the
// total comes from the hub either way.
const MAX_RECORDS = 10000;
const PAGE = 1000;

// Reads the agency's quarantined records through `hub.listQuarantined(limit,
// afterHandle)` (a HubClient or a stub). Resolves
//   {source: 'agency', total, ever, reasons: [{reason, datasets, count}], partial}
// with reasons grouped (most records first), or
//   {source: 'unavailable'} when the hub has no such RPC (UNIMPLEMENTED).
// Other failures reject with the ConsoleError in words.
async function agencyQuarantine(hub) {
  const groups = new Map();
  let total = 0;
  let ever = 0;
  let seen = 0;
  let after = '';
  for (;;) {
    let resp;
    try {
      resp = await hub.listQuarantined(PAGE, after);
    } catch (e) {
      if (e && e.grpcCode === status.UNIMPLEMENTED) return { source: 'unavailable' };
      throw e;
    }
    total = Number(resp.total || 0);
    ever = Number(resp.quarantined_ever || 0);
    const records = resp.records || [];
    for (const r of records) {
      const reason = String(r.reason || '').trim() || 'The hub gave no reason.';
      if (!groups.has(reason)) groups.set(reason, { reason, datasets: new Set(), count: 0 });
      const g = groups.get(reason);
      g.count += 1;
      if (r.dataset) g.datasets.add(r.dataset);
    }
    seen += records.length;
    if (!records.length || seen >= total || seen >= MAX_RECORDS) break;
    const last = records[records.length - 1].handle;
    if (!last || last === after) break;  // a hub that does not page: never loop
    after = last;
  }
  const reasons = [...groups.values()].map((g) => ({ reason: g.reason, datasets: [...g.datasets].sort(), count: g.count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { source: 'agency', total, ever, reasons, partial: seen < total };
}

// The hub-wide count from the metrics (parsed samples), or null when absent.
function quarantineFromMetric(metrics) {
  if (!metrics) return null;
  const s = metrics.find((m) => m.name === 'accord_records_quarantined_total');
  return s ? { source: 'hub-wide', total: s.value } : null;
}

module.exports = { agencyQuarantine, quarantineFromMetric, MAX_RECORDS };
