'use strict';
// The agency's signing and encryption keys.
//
// Today the hub has no key registry: an agency's keys are the ones the
// agreements name for it (signing_key / signing_key_fingerprint and
// encryption_key), so AgreementKeySource lists them from the agreements the
// hub holds.
//
// ---- TRUST-KEYS ADAPTER (issue 12 section 1) --------------------------------
// When the hub gains its key registry (`accordctl key register/list/rotate/
// revoke` and the new gRPC RPCs), implement HubKeyRegistry below with those
// RPCs (or by running `accordctl key ... --json`, like accordctl.js does for
// agreements) and return it from makeKeyRegistry(). The Keys page and its
// routes call only these four methods, and every change is already written to
// the action log with the acting agency by app.js. Nothing else needs to change.
// -----------------------------------------------------------------------------
const { ConsoleError } = require('./errors');

class HubKeyRegistry {
  // The agency's registered keys: [{fingerprint, type: 'ed25519'|'x25519',
  // state: 'active'|'rotated'|'revoked', registered_at, note}].
  async list(/* agency */) { throw notYet(); }
  async register(/* agency, publicPem, type */) { throw notYet(); }
  async rotate(/* agency, oldFingerprint, newPublicPem */) { throw notYet(); }
  async revoke(/* agency, fingerprint, reason */) { throw notYet(); }
}

function notYet() {
  return new ConsoleError('This hub does not keep a register of agency keys yet.',
    'Your keys are the ones your agreements name. To change a key, draft a new version of each agreement with the new public key and ask every party to sign it.');
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

// The registry the console uses; null while the hub has none.
function makeKeyRegistry(/* options */) {
  return null;  // TRUST-KEYS ADAPTER: return new HubKeyRegistry(hub) once the RPCs exist.
}

module.exports = { HubKeyRegistry, keysFromAgreements, makeKeyRegistry };
