'use strict';
// The console's action log: every submission, signature, withdrawal, pin and
// key change, with the acting agency and the officer's certificate name, as
// JSON lines appended to DATA_DIR/actions.jsonl (and echoed to stdout for the
// service manager's journal). Agreement documents hold no personal data; the
// log holds ids, versions, fingerprints and outcomes only.
const fs = require('node:fs');
const path = require('node:path');

class ActionLog {
  constructor(dataDir, clock = () => new Date()) {
    this.file = path.join(dataDir, 'actions.jsonl');
    this.clock = clock;
  }

  record(req, action, details) {
    const entry = { at: this.clock().toISOString(), agency: req.officer.agency, officer: req.officer.name,
      action, ...details };
    fs.appendFileSync(this.file, JSON.stringify(entry) + '\n', { mode: 0o600 });
    process.stdout.write(`accord-console: action ${JSON.stringify(entry)}\n`);
    return entry;
  }

  // The latest `n` entries, newest first.
  recent(n = 20) {
    let text = '';
    try { text = fs.readFileSync(this.file, 'utf8'); } catch { return []; }
    return text.trim().split('\n').filter(Boolean).slice(-n).reverse().map((l) => {
      try { return JSON.parse(l); } catch { return null; }
    }).filter(Boolean);
  }
}

module.exports = { ActionLog };
