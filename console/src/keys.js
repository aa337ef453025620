'use strict';
// The agency's signing and encryption keys.
//
// Signing keys: the hub's key register (KeyService, proto/accord/v1/
// key_service.proto). An agency registers, rotates and revokes its own Ed25519
// key over its own mTLS identity; a signature counts only if it verifies with
// the key the party registered. HubKeyRegistry reads and changes the register
// for the console's agency; the private key never reaches the console: the
// browser signs the proof of possession (public/accord-sign.js) and sends only
// the public key and the proof.
//
// The agreements also name keys (signing_key / signing_key_fingerprint and
// encryption_key); keysFromAgreements lists those beside the register, so an
// officer sees when an agreement names a key that is not the registered one.
const crypto = require('node:crypto');
const { ConsoleError } = require('./errors');

const STATE_OF_STATUS = { current: 'active', retired: 'rotated', revoked: 'revoked' };
const STATE_WORDS = {
  active: 'In use: your agency signs with this key',
  rotated: 'Replaced: signatures the hub accepted before the replacement still count',
  revoked: 'Revoked: no signature made with it counts',
};
const PUBLIC_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/;
const FINGERPRINT = /^sha256:[0-9a-f]{64}$/;

function tsToDate(ts) {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1e6);
  return ms > 0 ? new Date(ms) : null;
}

// "sha256:<hex>" of an Ed25519 public key PEM (its DER SubjectPublicKeyInfo),
// as policy::PublicKeyFingerprint computes it. Throws a ConsoleError for
// anything else.
function ed25519Fingerprint(publicPem) {
  let key;
  try {
    if (!PUBLIC_PEM.test(String(publicPem || ''))) throw new Error('not a PEM public key');
    key = crypto.createPublicKey(publicPem);
  } catch {
    throw new ConsoleError('The browser did not send a public key.', 'Choose or make your key again and try again.');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConsoleError('That key is not an Ed25519 signing key.', 'Use a key made by accordctl keygen or by this page.');
  }
  return `sha256:${crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

// The bytes a registration proof signs (policy/include/accord/policy/signing.h):
// "accord.key-registration.v1\0" || agency || 0x00 || fingerprint text.
function keyRegistrationMessage(agency, fingerprint) {
  return Buffer.concat([Buffer.from('accord.key-registration.v1\0'), Buffer.from(agency), Buffer.from([0]), Buffer.from(fingerprint)]);
}

function view(k) {
  const state = STATE_OF_STATUS[k.status] || 'revoked';
  return {
    agency: k.agency, fingerprint: k.fingerprint, type: 'Ed25519 signing key', state, stateWords: STATE_WORDS[state],
    registered_at: tsToDate(k.registered_at), retired_at: tsToDate(k.retired_at), revoked_at: tsToDate(k.revoked_at),
    revoke_reason: k.revoke_reason || '', public_key_pem: k.public_key_pem,
  };
}

// The hub's key register as the console uses it. `hub` is a HubClient (or any
// object with listKeys/registerKey/rotateKey/revokeKey returning promises).
// Stateless; safe to share.
class HubKeyRegistry {
  constructor(hub) { this.hub = hub; }

  // {mine: [...], others: [...], current: the agency's active key or null}; each
  // key {agency, fingerprint, type, state: 'active'|'rotated'|'revoked',
  // stateWords, registered_at, retired_at, revoked_at (Dates or null),
  // revoke_reason, public_key_pem}. Newest first within an agency.
  async list(agency) {
    const resp = await this.hub.listKeys();
    const keys = (resp.keys || []).map(view);
    const newestFirst = (a, b) => (b.registered_at || 0) - (a.registered_at || 0);
    const mine = keys.filter((k) => k.agency === agency).sort(newestFirst);
    const others = keys.filter((k) => k.agency !== agency)
      .sort((a, b) => a.agency.localeCompare(b.agency) || newestFirst(a, b));
    return { mine, others, current: mine.find((k) => k.state === 'active') || null };
  }

  // Registers (mode 'register') or rotates to (mode 'rotate') the public key
  // `publicPem` for `agency`, proven by `proofB64` (an Ed25519 signature by that
  // key over keyRegistrationMessage). Checks the proof here first so that a
  // wrong key is explained before the hub is asked. Resolves {fingerprint,
  // previous, unchanged, log_index}.
  async register(agency, publicPem, proofB64, reason, mode = 'register') {
    const fingerprint = ed25519Fingerprint(publicPem);
    const proof = /^[A-Za-z0-9+/]{86}==$/.test(String(proofB64 || '')) ? Buffer.from(proofB64, 'base64') : null;
    if (!proof || !crypto.verify(null, keyRegistrationMessage(agency, fingerprint), publicPem, proof)) {
      throw new ConsoleError('The proof that your agency holds the private key did not verify, so nothing was sent to the hub.',
        'Choose or make your key again in this page and try again.');
    }
    const req = { agency, public_key_pem: publicPem, proof_of_possession: proof, reason: String(reason || '') };
    const resp = mode === 'rotate' ? await this.hub.rotateKey(req) : await this.hub.registerKey(req);
    const event = resp.event || {};
    return { fingerprint, previous: event.previous_fingerprint || '', unchanged: Boolean(resp.unchanged),
      log_index: resp.unchanged ? null : resp.log_index };
  }

  rotate(agency, publicPem, proofB64, reason) { return this.register(agency, publicPem, proofB64, reason, 'rotate'); }

  // Revokes `fingerprint` for `agency`; a reason is required (every partner reads it).
  async revoke(agency, fingerprint, reason) {
    if (!FINGERPRINT.test(String(fingerprint || ''))) {
      throw new ConsoleError('No key was chosen to revoke.', 'Choose the key on the Keys page.');
    }
    const why = String(reason || '').trim();
    if (!why) throw new ConsoleError('The revocation has no reason.', 'Say why the key is revoked (for example "the laptop holding it was lost"); every partner can read it.');
    if (why.length > 500) throw new ConsoleError('The reason is longer than 500 characters.', 'Say it in a sentence or two.');
    const resp = await this.hub.revokeKey({ agency, key_fingerprint: fingerprint, reason: why });
    return { fingerprint, log_index: resp.log_index };
  }
}

// Keys named for `agency` by the agreements: {signing: [{fingerprint, type,
// agreements:[{id, version, state, title}]}], encryption: [agreements that
// name an X25519 encryption key for the agency]}.
async function keysFromAgreements(agency, agreements, showOf) {
  const keys = new Map();
  const encryption = [];
  for (const a of agreements) {
    if (!a.parties.some((p) => p.party === agency)) continue;
    let shown;
    try { shown = await showOf(a.id, a.version); } catch { continue; }
    const me = shown.parties.find((p) => p.id === agency);
    if (!me) continue;
    const add = (fp, type) => {
      if (!keys.has(fp)) keys.set(fp, { fingerprint: fp, type, agreements: [] });
      keys.get(fp).agreements.push({ id: a.id, version: a.version, state: a.state, title: a.title });
    };
    if (me.signing_key) add(me.signing_key, 'Ed25519 signing key');
    if (me.can_receive_encrypted) encryption.push({ id: a.id, version: a.version, state: a.state, title: a.title });
  }
  return { signing: [...keys.values()], encryption };
}

// The registry the console uses: the hub's KeyService over the console's own
// agency connection (a hub without it answers UNIMPLEMENTED, shown in words).
function makeKeyRegistry({ hub } = {}) {
  return hub ? new HubKeyRegistry(hub) : null;
}

module.exports = { HubKeyRegistry, keysFromAgreements, makeKeyRegistry, ed25519Fingerprint, keyRegistrationMessage, STATE_WORDS };
