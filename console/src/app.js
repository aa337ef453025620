'use strict';
// The console's web application: routes, officer identity, and the pages.
// Everything the hub does is asked of the hub (hub.js); everything about an
// agreement's meaning is asked of the policy library (accordctl.js).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const helmet = require('helmet');
const multer = require('multer');
const nunjucks = require('nunjucks');
const { ConsoleError } = require('./errors');
const { agencyFromPeerCertificate } = require('./identity');
const { summarise, STATE_WORDS } = require('./partnership');
const { computeHealth } = require('./health');
const { fetchMetrics } = require('./metrics');
const { keysFromAgreements, ed25519Fingerprint } = require('./keys');
const { agencyQuarantine, quarantineFromMetric } = require('./quarantine');
const { appendSignature, withdrawalYaml, withdrawalSummary } = require('./documents');
const { explainTreatment, CLASS_WORDS, ROLE_WORDS } = require('./words');

const GOVUK = path.dirname(require.resolve('govuk-frontend/package.json'));
const wrap = (fn) => (req, res, next) => Promise.resolve(fn(req, res, next)).catch(next);

function stripSignatures(text) {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('signatures:'));
  if (at < 0) return text;
  let end = lines.length;
  for (let i = at + 1; i < lines.length; i++) {
    if (/^[^\s#-]/.test(lines[i])) { end = i; break; }
  }
  lines.splice(at, end - at);
  return lines.join('\n').replace(/\n*$/, '\n');
}

// opts: {agency, hub (HubClient), ctl (AccordCtl), metricsUrl, dataDir,
//        actions (ActionLog), keyRegistry (null until the hub has one),
//        clock () => Date, quietHours}
function createApp(opts) {
  const { agency, hub, ctl, actions } = opts;
  const clock = opts.clock || (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  const env = nunjucks.configure([path.join(__dirname, '../views'), path.join(GOVUK, 'dist')], {
    autoescape: true, express: app, noCache: false,
  });
  env.addFilter('treatmentWords', explainTreatment);
  env.addFilter('classWords', (c) => CLASS_WORDS[c] || c);
  env.addFilter('roleWords', (r) => ROLE_WORDS[r] || r);
  env.addFilter('stateWords', (s) => STATE_WORDS[s] || s);
  env.addFilter('when', (d) => (d ? new Date(d).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never'));
  env.addFilter('ago', (hours) => {
    if (!Number.isFinite(hours)) return 'nothing yet';
    if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} minutes ago`;
    if (hours < 48) return `${Math.round(hours)} hours ago`;
    return `${Math.round(hours / 24)} days ago`;
  });
  app.set('view engine', 'njk');

  app.use((req, res, next) => {
    res.locals.cspNonce = crypto.randomBytes(16).toString('base64');
    next();
  });
  app.use(helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (req, res) => `'nonce-${res.locals.cspNonce}'`],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
  }));
  app.use('/assets', express.static(path.join(GOVUK, 'dist/govuk/assets'), { maxAge: '1d' }));
  app.use('/govuk', express.static(path.join(GOVUK, 'dist/govuk'), { maxAge: '1d', index: false }));
  app.use('/static', express.static(path.join(__dirname, '../public'), { maxAge: 0 }));

  // Who is acting: the officer's browser certificate, issued by the
  // partnership CA (checked by TLS), must name this console's agency.
  app.use((req, res, next) => {
    const sock = req.socket;
    const cert = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : null;
    let problem = null;
    if (!sock.authorized) {
      const why = sock.authorizationError && String(sock.authorizationError.code || sock.authorizationError);
      problem = !(cert && Object.keys(cert).length) ? 'Your browser did not present a certificate.'
        : why === 'CERT_REVOKED' ? 'Your browser certificate has been revoked by the partnership\'s certificate authority, so it can no longer be used. Ask your certificate administrator for a new one.'
          : why === 'UNABLE_TO_GET_CRL' || why === 'CRL_HAS_EXPIRED' ? 'The console cannot check whether your certificate has been revoked (its revocation list is missing or out of date). Tell the person who runs the console.'
            : 'Your browser presented a certificate that the partnership\'s certificate authority did not issue, or that has expired.';
    }
    const who = problem ? null : agencyFromPeerCertificate(cert);
    if (!problem && who.error) problem = `Your certificate cannot be used here: ${who.error}.`;
    if (!problem && who.agency !== agency) {
      problem = `Your certificate is for ${who.agency}, but this console acts for ${agency}. Each agency runs its own console.`;
    }
    if (problem) {
      res.status(403).render('denied.njk', { agency, problem });
      return;
    }
    const fp = crypto.createHash('sha256').update(cert.raw).digest('hex').slice(0, 16);
    req.officer = { agency, name: (cert.subject && cert.subject.CN) || agency, certificate: `sha256:${fp}...` };
    res.locals.agency = agency;
    res.locals.officer = req.officer;
    res.locals.path = req.path;
    next();
  });

  // Requests that change something must come from the console's own pages.
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    // Browsers send Sec-Fetch-Site; without it, fall back to Origin.
    const foreign = site ? site !== 'same-origin' : Boolean(origin) && origin !== `https://${req.get('host')}`;
    if (foreign) {
      return next(new ConsoleError('The request did not come from this console\'s own pages, so it was refused.',
        'Open the console at its usual address and try again.'));
    }
    return next();
  });
  app.use(express.urlencoded({ extended: false, limit: '2mb' }));
  app.use(express.json({ limit: '2mb' }));
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1 << 20, files: 1 } });

  // The agreement's document, its plain-English form, and its status.
  const showCache = new Map();
  async function shown(doc) {
    const key = crypto.createHash('sha256').update(doc).digest('hex');
    if (!showCache.has(key)) {
      if (showCache.size > 200) showCache.clear();
      showCache.set(key, await ctl.show(doc));
    }
    return showCache.get(key);
  }
  async function agreementWithDocument(id, version) {
    const info = await hub.getAgreement(id, Number(version) || 0);
    return { info, show: await shown(info.document) };
  }
  // The hub's key register (keys.js); null when the console runs without one.
  const registry = opts.keyRegistry || null;
  async function registeredKeys() {
    if (!registry) return { registered: null, registryError: null };
    try { return { registered: await registry.list(agency), registryError: null }; } catch (e) { return { registered: null, registryError: e }; }
  }
  async function versionsOf(id) {
    return (await hub.listAgreements()).filter((a) => a.id === id).sort((a, b) => a.version - b.version);
  }

  app.get('/', wrap(async (req, res) => {
    const agreements = await hub.listAgreements();
    res.render('overview.njk', { s: summarise(agreements, clock(), agency), recent: actions.recent(10), now: clock() });
  }));

  app.get('/agreements/:id/:version', wrap(async (req, res) => {
    const { info, show } = await agreementWithDocument(req.params.id, req.params.version);
    const versions = await versionsOf(info.id);
    const me = info.parties.find((p) => p.party === agency);
    const others = versions.filter((v) => v.version !== info.version && v.state === 'ACTIVE');
    const partyRows = show.parties.map((p) => ({ ...p, st: info.parties.find((s) => s.party === p.id) }));
    res.render('agreement.njk', { a: info, show, partyRows, versions, me, others, done: req.query.done, stateWords: STATE_WORDS[info.state] });
  }));

  app.get('/agreements/:id/:version/document.yaml', wrap(async (req, res) => {
    const info = await hub.getAgreement(req.params.id, Number(req.params.version) || 0);
    res.type('text/yaml').attachment(`${info.id}-v${info.version}.yaml`).send(info.document);
  }));

  // Compare two versions held by the hub, or a draft with one.
  function diffView(diff, oldInfo, newInfo) {
    const groups = new Map();
    for (const f of diff.fields) {
      if (!groups.has(f.recipient)) groups.set(f.recipient, []);
      groups.get(f.recipient).push(f);
    }
    const warnings = [];
    if (oldInfo.version === newInfo.version && diff.old_fingerprint !== diff.new_fingerprint) {
      warnings.push(`The meaning changed but the version number is still ${newInfo.version}. Raise the version number before you circulate this text, so that nobody confuses it with the version already signed.`);
    }
    if (newInfo.version < oldInfo.version) {
      warnings.push(`You are comparing a newer version (${oldInfo.version}) with an older one (${newInfo.version}).`);
    }
    return { groups: [...groups.entries()], general: diff.general, warnings,
      same: diff.old_fingerprint === diff.new_fingerprint, more: diff.fields.filter((f) => f.more_revealing).length };
  }

  app.get('/compare', wrap(async (req, res) => {
    const id = String(req.query.id || '');
    const versions = id ? await versionsOf(id) : [];
    const all = id ? [] : await hub.listAgreements();
    if (!id || versions.length < 1 || !req.query.from || !req.query.to) {
      res.render('compare.njk', { id, versions, all, from: req.query.from, to: req.query.to });
      return;
    }
    const [a, b] = await Promise.all([hub.getAgreement(id, Number(req.query.from)), hub.getAgreement(id, Number(req.query.to))]);
    const diff = await ctl.diff(a.document, b.document);
    res.render('compare.njk', { id, versions, from: a.version, to: b.version, oldInfo: a, newInfo: b, d: diffView(diff, a, b) });
  }));

  // Draft and check.
  app.get('/draft', wrap(async (req, res) => {
    let text = '';
    let from = null;
    if (req.query.from) {
      const info = await hub.getAgreement(String(req.query.from), Number(req.query.version) || 0);
      text = stripSignatures(info.document);
      from = info;
    }
    res.render('draft.njk', { text, from });
  }));

  app.post('/api/lint', wrap(async (req, res) => {
    const text = String((req.body && req.body.text) || '');
    const result = await ctl.lint(text);
    res.json({ valid: result.valid, diagnostics: result.diagnostics });
  }));

  app.post('/draft', upload.single('file'), wrap(async (req, res) => {
    let text = String(req.body.text || '');
    if (req.file && req.file.size > 0) text = req.file.buffer.toString('utf8');
    const action = req.body.action || 'check';
    const lint = await ctl.lint(text);
    const view = { text, lint, action };
    if (!lint.valid || action === 'check') {
      res.status(lint.valid ? 200 : 422).render('draft.njk', view);
      return;
    }
    const fp = await ctl.fingerprint(text);
    view.fp = fp;
    if (action === 'compare') {
      const versions = await versionsOf(fp.id);
      const against = versions.find((v) => v.version === Number(req.body.against)) ||
        [...versions].reverse().find((v) => v.fingerprint !== fp.fingerprint);
      if (!against) {
        view.compareMessage = `The hub holds no other version of ${fp.id} to compare with.`;
      } else {
        const old = await hub.getAgreement(fp.id, against.version);
        view.d = diffView(await ctl.diff(old.document, text), old, { version: fp.version });
        view.oldInfo = old;
      }
      view.versions = versions;
      res.render('draft.njk', view);
      return;
    }
    if (action === 'submit') {
      const resp = await hub.submitAgreement(text, `${fp.id}-v${fp.version}.yaml`);
      actions.record(req, 'submit', { agreement: fp.id, version: fp.version, fingerprint: fp.fingerprint, state: resp.agreement.state });
      res.redirect(303, `/agreements/${encodeURIComponent(fp.id)}/${fp.version}?done=submitted`);
      return;
    }
    throw new ConsoleError('The console did not understand that button.', 'Go back and try again.');
  }));

  // Sign in the browser: the page signs the fingerprint with WebCrypto and
  // sends only the signature.
  app.get('/agreements/:id/:version/sign', wrap(async (req, res) => {
    const { info, show } = await agreementWithDocument(req.params.id, req.params.version);
    const me = show.parties.find((p) => p.id === agency);
    const versions = await versionsOf(info.id);
    const previous = [...versions].reverse().find((v) => v.version < info.version);
    const { registered } = await registeredKeys();
    res.render('sign.njk', { a: info, show, me, previous, status: info.parties.find((p) => p.party === agency),
      registeredKey: registered && registered.current ? registered.current.fingerprint : '', hasRegistry: Boolean(registry) });
  }));

  app.post('/agreements/:id/:version/sign', wrap(async (req, res) => {
    const { info, show } = await agreementWithDocument(req.params.id, req.params.version);
    const body = req.body || {};
    if (!show.parties.some((p) => p.id === agency)) {
      throw new ConsoleError(`${agency} is not a party to this agreement, so it cannot sign it.`, 'Check you opened the right agreement.');
    }
    if (body.fingerprint !== info.fingerprint) {
      throw new ConsoleError('The agreement changed on the hub after you opened the page, so your signature would be over an old text.',
        'Reload the page, read the agreement again and sign the current text.');
    }
    if (!/^[A-Za-z0-9+/]{86}==$/.test(String(body.signature || ''))) {
      throw new ConsoleError('The signature sent by the browser is not an Ed25519 signature.', 'Try again, or sign with accordctl and upload the signed file.');
    }
    const signedAt = clock().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const publicKey = /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n?$/.test(String(body.public_key || ''))
      ? body.public_key : '';
    // The hub counts only signatures made with the agency's registered key.
    const { registered } = await registeredKeys();
    if (publicKey && registered && registered.current && ed25519Fingerprint(publicKey) !== registered.current.fingerprint) {
      throw new ConsoleError(`You signed with a key that is not ${agency}'s registered key, so the signature was not sent to the hub.`,
        `Sign with the key registered on the Keys page (${registered.current.fingerprint}), or register this key there first.`);
    }
    const withoutOld = removeSignatureOf(info.document, agency);
    const entry = { party: agency, fingerprint: info.fingerprint, signed_at: signedAt, signature: body.signature };
    let signedDoc = appendSignature(withoutOld, entry);
    // The same check as `accordctl agreement verify`, before the hub sees it.
    let verified = await ctl.verify(signedDoc);
    let mine = verified.parties.find((p) => p.party === agency);
    if (mine && !mine.signed && publicKey && /carries no public_key/.test(mine.problem)) {
      // The agreement lists only the key's fingerprint: the signature carries the public key.
      signedDoc = appendSignature(withoutOld, { ...entry, public_key: publicKey });
      verified = await ctl.verify(signedDoc);
      mine = verified.parties.find((p) => p.party === agency);
    }
    if (!mine || !mine.signed) {
      throw new ConsoleError('Your signature did not verify, so it was not sent to the hub.',
        'Check you chose your agency\'s signing key (the private key whose public key the agreement names for you).',
        mine ? mine.problem : '');
    }
    const resp = await hub.submitAgreement(signedDoc, `${info.id}-v${info.version}.yaml`);
    actions.record(req, 'sign', { agreement: info.id, version: info.version, fingerprint: info.fingerprint, state: resp.agreement.state });
    res.json({ redirect: `/agreements/${encodeURIComponent(info.id)}/${info.version}?done=signed` });
  }));

  // An agreement signed offline with accordctl.
  app.post('/agreements/upload', upload.single('file'), wrap(async (req, res) => {
    if (!req.file) throw new ConsoleError('No file was chosen.', 'Choose the signed agreement file (YAML) and upload it again.');
    const text = req.file.buffer.toString('utf8');
    const verified = await ctl.verify(text);
    const signedBy = verified.parties.filter((p) => p.signed).map((p) => p.party);
    const bad = verified.parties.filter((p) => !p.signed && !/has not signed/.test(p.problem));
    if (bad.length) {
      throw new ConsoleError('A signature in the file does not verify, so it was not sent to the hub.',
        'Ask the party named to sign the current text again.', bad.map((p) => `${p.party}: ${p.problem}`).join('; '));
    }
    const resp = await hub.submitAgreement(text, req.file.originalname || 'uploaded.yaml');
    actions.record(req, 'submit-signed-file', { agreement: verified.id, version: verified.version, fingerprint: verified.fingerprint,
      signed_by: signedBy, state: resp.agreement.state });
    res.redirect(303, `/agreements/${encodeURIComponent(verified.id)}/${verified.version}?done=uploaded`);
  }));

  // Withdraw: the browser signs the withdrawal statement.
  app.get('/agreements/:id/:version/withdraw', wrap(async (req, res) => {
    const { info, show } = await agreementWithDocument(req.params.id, req.params.version);
    const versions = await versionsOf(info.id);
    const alsoInForce = versions.filter((v) => v.version !== info.version && (v.state === 'ACTIVE' || v.state === 'SUPERSEDED' || v.state === 'NOT_YET_VALID'));
    const { registered } = await registeredKeys();
    res.render('withdraw.njk', { a: info, show, me: show.parties.find((p) => p.id === agency), alsoInForce,
      registeredKey: registered && registered.current ? registered.current.fingerprint : '' });
  }));

  app.post('/agreements/:id/:version/withdraw', wrap(async (req, res) => {
    const info = await hub.getAgreement(req.params.id, Number(req.params.version) || 0);
    const b = req.body || {};
    const reason = String(b.reason || '').trim();
    if (!reason) throw new ConsoleError('The withdrawal has no reason.', 'Say why your agency withdraws; every party will read it.');
    if (b.fingerprint !== info.fingerprint) {
      throw new ConsoleError('The agreement changed on the hub after you opened the page.', 'Reload the page and withdraw from the current text.');
    }
    const doc = withdrawalYaml({ agreement: info.id, version: info.version, fingerprint: info.fingerprint, party: agency,
      effective: String(b.effective || ''), reason, signature: String(b.signature || '') });
    const resp = await hub.submitWithdrawal(doc);
    actions.record(req, 'withdraw', { agreement: info.id, version: info.version, fingerprint: info.fingerprint,
      effective: b.effective, state: resp.agreement.state });
    res.json({ redirect: `/agreements/${encodeURIComponent(info.id)}/${info.version}?done=withdrawn` });
  }));

  app.post('/withdrawals/upload', upload.single('file'), wrap(async (req, res) => {
    if (!req.file) throw new ConsoleError('No file was chosen.', 'Choose the signed withdrawal file and upload it again.');
    const text = req.file.buffer.toString('utf8');
    const summary = withdrawalSummary(text);
    const resp = await hub.submitWithdrawal(text);
    actions.record(req, 'withdraw-signed-file', { agreement: summary.agreement, version: summary.version, party: summary.party,
      state: resp.agreement.state });
    res.redirect(303, `/agreements/${encodeURIComponent(resp.agreement.id)}/${resp.agreement.version}?done=withdrawn`);
  }));

  // Keys: the hub's register (mine with history, other agencies' read-only)
  // and the keys the agreements name.
  app.get('/keys', wrap(async (req, res) => {
    const agreements = await hub.listAgreements();
    const fromAgreements = await keysFromAgreements(agency, agreements,
      async (id, version) => shown((await hub.getAgreement(id, version)).document));
    const { registered, registryError } = await registeredKeys();
    const current = registered && registered.current;
    const notRegistered = current ? fromAgreements.signing.filter((k) => k.fingerprint !== current.fingerprint) : [];
    res.render('keys.njk', { fromAgreements, registered, registryError, hasRegistry: Boolean(registry), notRegistered,
      // Only a fingerprint is echoed from the address, so a crafted link cannot put words in the banner.
      done: req.query.done, doneKey: /^sha256:[0-9a-f]{64}$/.test(String(req.query.key || '')) ? req.query.key : '' });
  }));

  // Register or rotate: the browser sends only the public key and the proof
  // of possession it signed (public/console.js).
  app.post('/keys/register', wrap(async (req, res) => {
    if (!registry) throw new ConsoleError('This hub keeps no register of agency keys.', 'Ask your hub operator to upgrade it.');
    const b = req.body || {};
    const mode = b.mode === 'rotate' ? 'rotate' : 'register';
    const reason = String(b.reason || '').trim();
    if (reason.length > 500) throw new ConsoleError('The reason is longer than 500 characters.', 'Say it in a sentence or two.');
    const r = await registry.register(agency, String(b.public_key || ''), String(b.proof || ''), reason, mode);
    actions.record(req, mode === 'rotate' ? 'key-rotate' : 'key-register', { key: r.fingerprint, previous_key: r.previous || undefined,
      unchanged: r.unchanged || undefined, key_log_index: r.log_index === null ? undefined : r.log_index });
    res.json({ redirect: `/keys?done=${r.unchanged ? 'unchanged' : mode === 'rotate' ? 'rotated' : 'registered'}&key=${encodeURIComponent(r.fingerprint)}` });
  }));

  // Revoke: a confirmation page with the reason, then the change.
  app.get('/keys/revoke', wrap(async (req, res) => {
    const { registered, registryError } = await registeredKeys();
    if (registryError) throw registryError;
    const key = registered && registered.mine.find((k) => k.fingerprint === String(req.query.key || ''));
    if (!key) throw new ConsoleError('Your agency has registered no key with that fingerprint.', 'Go back to the Keys page and choose a key from the register.');
    res.render('revoke-key.njk', { key });
  }));
  app.post('/keys/revoke', wrap(async (req, res) => {
    if (!registry) throw new ConsoleError('This hub keeps no register of agency keys.', 'Ask your hub operator to upgrade it.');
    const b = req.body || {};
    const fingerprint = String(b.key || '');
    const reason = String(b.reason || '').trim();
    const problems = [];
    if (!reason) problems.push({ field: 'reason', text: 'Say why the key is revoked; every partner can read it.' });
    if (b.confirm !== 'yes') problems.push({ field: 'confirm', text: 'Confirm that every signature made with this key should stop counting.' });
    if (problems.length) {
      const { registered } = await registeredKeys();
      const key = registered && registered.mine.find((k) => k.fingerprint === fingerprint);
      if (!key) throw new ConsoleError('Your agency has registered no key with that fingerprint.', 'Go back to the Keys page and choose a key from the register.');
      res.status(422).render('revoke-key.njk', { key, problems, reason });
      return;
    }
    const r = await registry.revoke(agency, fingerprint, reason);
    // The reason is free text: it goes to the hub's key log, not to this log.
    actions.record(req, 'key-revoke', { key: r.fingerprint, key_log_index: r.log_index });
    res.redirect(303, `/keys?done=revoked&key=${encodeURIComponent(r.fingerprint)}`);
  }));

  // Data-sharing health.
  app.get('/health', wrap(async (req, res) => {
    const now = clock();
    const [agreements, disclosures, metrics] = await Promise.all([
      hub.listAgreements(),
      hub.disclosures(new Date(now.getTime() - 30 * 24 * 3600 * 1000)),
      opts.metricsUrl ? fetchMetrics(opts.metricsUrl).catch(() => null) : Promise.resolve(null),
    ]);
    const activeFlows = [];
    for (const a of agreements.filter((x) => x.state === 'ACTIVE' && x.parties.some((p) => p.party === agency))) {
      const s = await shown((await hub.getAgreement(a.id, a.version)).document);
      for (const f of s.flows) activeFlows.push({ agreement: a.id, version: a.version, flow: f.id, from: f.from, to: f.to });
    }
    const h = computeHealth({ agency, disclosures, metrics, activeFlows, now, quietHours: opts.quietHours || 24 });
    // This agency's quarantined records; a hub without the RPC: the hub-wide metric, said as such.
    let quarantine = null;
    let quarantineError = null;
    try {
      quarantine = await agencyQuarantine(hub);
    } catch (e) {
      quarantineError = e instanceof ConsoleError ? e : new ConsoleError('Could not read your agency\'s quarantined records.', 'Reload in a minute.');
    }
    if (!quarantine || quarantine.source === 'unavailable') quarantine = quarantineFromMetric(metrics);
    res.render('health.njk', { h, quarantine, quarantineError, metricsConfigured: Boolean(opts.metricsUrl) });
  }));

  // The ledger.
  const pinDir = path.join(opts.dataDir, 'pins');
  fs.mkdirSync(pinDir, { recursive: true, mode: 0o700 });
  const pins = () => fs.readdirSync(pinDir).filter((f) => f.endsWith('.pin.json')).sort().map((f) => path.join(pinDir, f));
  async function ledgerPage(res, extra) {
    const head = await hub.treeHead(0);
    const pinList = pins().map((p) => {
      try { return { file: path.basename(p), ...JSON.parse(fs.readFileSync(p, 'utf8')) }; } catch { return { file: path.basename(p) }; }
    });
    res.render('ledger.njk', { head, root: Buffer.from(head.root_hash).toString('hex'),
      headTime: head.timestamp ? new Date(Number(head.timestamp.seconds) * 1000) : null, pins: pinList, ...extra });
  }
  app.get('/ledger', wrap(async (req, res) => ledgerPage(res, {})));
  app.post('/ledger/verify', wrap(async (req, res) => {
    const r = await ctl.auditVerify(pins());
    actions.record(req, 'ledger-verify', { ok: r.code === 0, tree_size: r.result && r.result.tree_size });
    await ledgerPage(res, { verify: r });
  }));
  app.post('/ledger/pin', wrap(async (req, res) => {
    const name = `${clock().toISOString().replace(/[:.]/g, '-')}.pin.json`;
    const r = await ctl.auditPin(path.join(pinDir, name));
    actions.record(req, 'ledger-pin', { ok: r.code === 0, file: name });
    await ledgerPage(res, { pinned: r });
  }));
  app.post('/ledger/consistency', wrap(async (req, res) => {
    const results = [];
    for (const p of pins()) results.push({ file: path.basename(p), ...(await ctl.auditCheckConsistency(p, false)) });
    actions.record(req, 'ledger-check-consistency', { ok: results.every((r) => r.code === 0), pins: results.length });
    await ledgerPage(res, { consistency: results });
  }));

  app.use((req, res) => {
    res.status(404).render('error.njk', { what: 'There is no page at this address.', todo: 'Use the links at the top of the page.' });
  });
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    const e = err instanceof ConsoleError ? err
      : err && err.type === 'entity.too.large' ? new ConsoleError('The document is larger than the console accepts (2 MiB).', 'Check you chose the right file.')
      : err && err.code === 'LIMIT_FILE_SIZE' ? new ConsoleError('The file is larger than 1 MiB.', 'An agreement is a few hundred lines; check you chose the right file.')
      : new ConsoleError('Something went wrong in the console.', 'Try again; if it keeps happening, tell the person who runs the console the time it happened.');
    if (!(err instanceof ConsoleError)) process.stderr.write(`accord-console: ${err && err.stack ? err.stack : err}\n`);
    const status = err instanceof ConsoleError ? (err.httpStatus || 400) : 500;
    if (req.path.startsWith('/api/') || req.is('application/json')) {
      res.status(status).json({ error: { what: e.what, todo: e.todo, detail: e.detail } });
      return;
    }
    res.status(status).render('error.njk', { what: e.what, todo: e.todo, detail: e.detail });
  });
  return app;
}

// The document without `party`'s earlier signature entries (a stale signature
// is replaced by the new one).
function removeSignatureOf(text, party) {
  const lines = text.split('\n');
  const out = [];
  let skipping = false;
  let inSigs = false;
  for (const l of lines) {
    if (l.startsWith('signatures:')) { inSigs = true; out.push(l); continue; }
    if (inSigs && /^[^\s#-]/.test(l)) inSigs = false;
    if (inSigs) {
      const m = /^(\s*)- party:\s*"?([^"\s]+)"?\s*$/.exec(l);
      if (m) skipping = m[2] === party;
      else if (/^\s*-\s/.test(l)) skipping = false;
      if (skipping) continue;
    }
    out.push(l);
  }
  return out.join('\n');
}

module.exports = { createApp, stripSignatures, removeSignatureOf };
