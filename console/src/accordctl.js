'use strict';
// The policy library, through accordctl: the console lints, shows, diffs,
// fingerprints and verifies with exactly the code the hub and the CLI use, by
// running `accordctl agreement ... --json` on documents written to a private
// temporary directory that is removed afterwards.
const fs = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { ConsoleError } = require('./errors');

const MAX_DOCUMENT = 1 << 20;

// accordctl's stderr for an officer: without the program name and with the
// temporary file names replaced by what they are.
function clean(stderr, paths) {
  let out = stderr.replace(/^accordctl: /gm, '');
  for (const [name, p] of Object.entries(paths)) {
    const what = name.startsWith('old') ? 'the earlier version' : name.startsWith('new') ? 'the later version' : 'the document';
    out = out.split(p).join(what);
  }
  return out.trim();
}

class AccordCtl {
  // bin: path of accordctl; hubArgs: ['--hub', ..., '--ca', ...] for audit commands.
  constructor(bin, hubArgs) {
    this.bin = bin;
    this.hubArgs = hubArgs || [];
  }

  // Runs accordctl with args; resolves {code, stdout, stderr}. Never rejects on
  // a non-zero exit (accordctl's exit codes carry meaning), only when it cannot run.
  run(args, timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
      execFile(this.bin, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new ConsoleError('The console could not run its checking tool (accordctl).',
            'Ask the person who runs the console to check that accordctl is installed and its path is right.',
            err.killed ? 'it took too long and was stopped' : ''));
          return;
        }
        resolve({ code: err ? err.code : 0, stdout, stderr });
      });
    });
  }

  // Writes {name: text} into a fresh private directory, calls fn(paths), removes it.
  async withFiles(files, fn) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'accord-console-'));
    try {
      const paths = {};
      for (const [name, text] of Object.entries(files)) {
        if (Buffer.byteLength(text) > MAX_DOCUMENT) {
          throw new ConsoleError('The document is larger than 1 MiB.', 'An agreement is a few hundred lines; check you chose the right file.');
        }
        paths[name] = path.join(dir, name);
        await fs.writeFile(paths[name], text, { mode: 0o600 });
      }
      return await fn(paths);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  json(result, what) {
    try {
      return JSON.parse(result.stdout);
    } catch {
      throw new ConsoleError(`The console could not ${what}.`,
        'Check the document is a complete agreement (run "Check" on the draft page to see its problems).',
        result.stderr.replace(/^accordctl: /gm, '').trim());
    }
  }

  // {valid, diagnostics:[{severity,line,column,code,message}]} for a draft.
  lint(text) {
    return this.withFiles({ 'draft.yaml': text }, async (p) => {
      const r = await this.run(['agreement', 'lint', '--json', p['draft.yaml']]);
      const out = this.json(r, 'check the draft');
      return out[0];
    });
  }

  async validOnly(text, args, what) {
    return this.withFiles({ 'agreement.yaml': text }, async (p) => {
      const r = await this.run([...args, '--json', p['agreement.yaml']]);
      if (r.code === 2 || r.code === 1) {
        throw new ConsoleError(`The console could not ${what} because the document is not a valid agreement.`,
          'Open it on the draft page to see each problem at its line.', clean(r.stderr, p));
      }
      return this.json(r, what);
    });
  }

  show(text) { return this.validOnly(text, ['agreement', 'show'], 'read the agreement'); }
  async fingerprint(text) {
    const out = await this.validOnly(text, ['agreement', 'fingerprint'], 'compute the fingerprint');
    return out[0];
  }
  // State, who signed and who has not (exit codes 3 and 4 are states, not failures).
  verify(text) { return this.validOnly(text, ['agreement', 'verify'], 'check the signatures'); }

  diff(oldText, newText) {
    return this.withFiles({ 'old.yaml': oldText, 'new.yaml': newText }, async (p) => {
      const r = await this.run(['agreement', 'diff', '--json', p['old.yaml'], p['new.yaml']]);
      if (r.code !== 0) {
        throw new ConsoleError('The console could not compare the two versions because one of them is not a valid agreement.',
          'Check both on the draft page first.', clean(r.stderr, p));
      }
      return this.json(r, 'compare the versions');
    });
  }

  // The ledger checks of `accordctl audit verify --hub` (with pins), as JSON.
  async auditVerify(pinFiles) {
    const args = ['audit', 'verify', ...this.hubArgs, '--json'];
    for (const pin of pinFiles || []) args.push('--pin', pin);
    const r = await this.run(args, 300000);
    let out = null;
    try { out = JSON.parse(r.stdout); } catch { out = null; }
    return { code: r.code, result: out, stderr: r.stderr.replace(/^accordctl: /gm, '').trim() };
  }
  async auditPin(out) {
    const r = await this.run(['audit', 'pin', ...this.hubArgs, '--out', out, '--force', '--json']);
    let parsed = null;
    try { parsed = JSON.parse(r.stdout); } catch { parsed = null; }
    return { code: r.code, result: parsed, stderr: r.stderr.replace(/^accordctl: /gm, '').trim() };
  }
  async auditCheckConsistency(pin, update) {
    const args = ['audit', 'check-consistency', ...this.hubArgs, '--pin', pin, '--json'];
    if (update) args.push('--update');
    const r = await this.run(args);
    let parsed = null;
    try { parsed = JSON.parse(r.stdout); } catch { parsed = null; }
    return { code: r.code, result: parsed, stderr: r.stderr.replace(/^accordctl: /gm, '').trim() };
  }
}

module.exports = { AccordCtl };
