'use strict';
// Reads the hub's Prometheus text endpoint (hub/server/src/metrics.cc) and keeps
// only what the console's own agency may see.

// [{name, labels:{...}, value}] from Prometheus text exposition format.
function parsePrometheus(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] || '')) !== null) {
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

// Rejection reasons (accord.v1.RejectReason) in words, with what to do.
const REJECT_WORDS = {
  REJECT_NO_AGREEMENT: 'No agreement in force covers these records (none signed by every party, in date and not withdrawn). Check the agreement\'s state on the overview page.',
  REJECT_WRONG_PROVIDER: 'The records named another agency as their provider. Check the connector\'s mapping uses your agency id.',
  REJECT_UNKNOWN_DATASET: 'The records are for a dataset no agreement defines. Check the dataset name and version in the connector\'s mapping.',
  REJECT_UNKNOWN_FIELD: 'The records carry a field the agreement\'s dataset does not define. Remove it from the connector\'s mapping, or add it to the agreement.',
  REJECT_MISSING_REQUIRED_FIELD: 'A field the agreement marks as required was empty or missing. Check the source system\'s export.',
  REJECT_WRONG_TYPE: 'A value had the wrong type for its field (for example text where a date is expected). Check the connector\'s mapping.',
  REJECT_INVALID_VALUE: 'A value was not valid for its field (for example an unknown category or a malformed date). Check the source data.',
  REJECT_INVALID_UTF8: 'A value was not valid text (not UTF-8). Check the export\'s character encoding.',
  REJECT_TOO_LARGE: 'A value was longer than the agreement allows. Check the source data or the field\'s max_length.',
  REJECT_DUPLICATE_FIELD: 'A record named the same field twice. Check the connector\'s mapping.',
  REJECT_MISSING_RECORD_ID: 'Records had no record id, so they could not be de-duplicated. Check the connector\'s mapping names the id column.',
  REJECT_MISSING_EVENT_TIME: 'Records had no event time. Check the connector\'s mapping names the event time column.',
  REJECT_UNAVAILABLE: 'The hub could not store the records at the time. The connector retries; if it continues, contact your hub operator.',
  REJECT_CONTRADICTORY_DATES: 'Two dates in a record contradict each other (a date of birth after the event date). Check both dates in the source system.',
  REJECT_TIME_OUT_OF_RANGE: 'A record\'s time was impossible (before 1900, more than a day in the future, or not a real timestamp). Check the source system\'s date fields and its clock.',
  REJECT_PAST_RETENTION: 'Records were older than the agreement keeps (their month is past its retention), so nothing was stored. Check the event dates, or the agreement\'s retention_days.',
};

function rejectionInWords(reason) {
  return REJECT_WORDS[reason] || 'Records were refused for a reason this console does not know yet. Contact your hub operator.';
}

async function fetchMetrics(url, timeoutMs = 5000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`the metrics endpoint answered ${res.status}`);
  return parsePrometheus(await res.text());
}

module.exports = { parsePrometheus, rejectionInWords, fetchMetrics, REJECT_WORDS };
