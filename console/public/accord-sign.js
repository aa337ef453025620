// Signing in the browser with WebCrypto Ed25519: the officer's private key is
// read from a local file into the page and never leaves the browser. Also
// loaded by Node (console/test) to check the byte strings against the policy
// library's. The bytes signed are those of policy/src/signing.cc:
//   agreement:  "accord.agreement-signature.v1\0" || the 32 fingerprint bytes
//   withdrawal: "accord.withdrawal.v1\0" || CanonicalWithdrawalBytes (compact
//               JSON, keys sorted, non-ASCII as \uXXXX, effective as RFC 3339
//               with "+00:00")
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.AccordSign = factory();
}(typeof self !== 'undefined' ? self : this, function () {
  'use strict';
  var enc = new TextEncoder();

  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function fingerprintBytes(text) {
    var m = /^sha256:([0-9a-f]{64})$/.exec(text);
    if (!m) throw new Error('The fingerprint is not "sha256:" and 64 hex digits.');
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) out[i] = parseInt(m[1].substr(i * 2, 2), 16);
    return out;
  }

  function agreementMessage(fingerprint) {
    return concat(enc.encode('accord.agreement-signature.v1\0'), fingerprintBytes(fingerprint));
  }

  // nlohmann::json's dump with ensure_ascii: JSON.stringify, then every
  // non-ASCII UTF-16 unit as \uxxxx (lower-case hex, surrogate pairs kept).
  function jsonAscii(value) {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, function (c) {
      if (c === '\u007f') return c;
      return '\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  // RFC 3339 as absl::RFC3339_full prints a UTC time with whole seconds.
  function rfc3339(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
  }

  function canonicalWithdrawal(w) {
    var keys = { agreement: w.agreement, effective: w.effective, fingerprint: w.fingerprint,
      party: w.party, reason: w.reason, version: w.version };
    var parts = Object.keys(keys).sort().map(function (k) { return jsonAscii(k) + ':' + jsonAscii(keys[k]); });
    return '{' + parts.join(',') + '}';
  }

  function withdrawalMessage(w) {
    return concat(enc.encode('accord.withdrawal.v1\0'), enc.encode(canonicalWithdrawal(w)));
  }

  // "accord.key-registration.v1\0" || agency || 0x00 || fingerprint text: what
  // a key registration's proof of possession signs (KeyService).
  function keyRegistrationMessage(agency, fingerprint) {
    return concat(concat(enc.encode('accord.key-registration.v1\0'), enc.encode(agency)), concat(new Uint8Array([0]), enc.encode(fingerprint)));
  }

  function pemBody(pem, label) {
    var re = new RegExp('-----BEGIN ' + label + '-----([A-Za-z0-9+/=\\s]+)-----END ' + label + '-----');
    var m = re.exec(pem);
    if (!m) return null;
    var bin = atob(m[1].replace(/\s+/g, ''));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function b64(bytes) {
    var s = '';
    var u = new Uint8Array(bytes);
    for (var i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
    return btoa(s);
  }

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // Reads an Ed25519 private key PEM (from `accordctl keygen`). Resolves
  // {privateKey, publicPem, publicFingerprint}; rejects with an Error whose
  // message says what to do.
  async function loadPrivateKey(pem) {
    var subtle = (typeof crypto !== 'undefined' && crypto.subtle) || null;
    if (!subtle) throw new Error('This browser cannot sign here (no WebCrypto). Use a current Chrome or Edge, or sign with accordctl and upload the signed file.');
    if (/ENCRYPTED PRIVATE KEY/.test(pem)) throw new Error('The key file is password-protected. Decrypt a copy first (openssl pkey -in KEY -out PLAIN), or sign with accordctl.');
    if (/BEGIN PUBLIC KEY/.test(pem)) throw new Error('That is your PUBLIC key. Choose the private key file (the one ending .key).');
    var der = pemBody(pem, 'PRIVATE KEY');
    if (!der) throw new Error('That file is not a private key from accordctl keygen (it should start with -----BEGIN PRIVATE KEY-----).');
    var key;
    try {
      key = await subtle.importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
    } catch (e) {
      throw new Error('That key is not an Ed25519 signing key, or this browser does not support Ed25519. Use the key made by accordctl keygen in a current Chrome or Edge.');
    }
    var jwk = await subtle.exportKey('jwk', key);
    var pub = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, true, ['verify']);
    var spki = await subtle.exportKey('spki', pub);
    var digest = await subtle.digest('SHA-256', spki);
    var body = b64(spki).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    // A non-extractable copy signs; the extractable one is dropped at once.
    var signer = await subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
    der.fill(0);
    return { privateKey: signer, publicPem: '-----BEGIN PUBLIC KEY-----\n' + body + '\n-----END PUBLIC KEY-----\n',
      publicFingerprint: 'sha256:' + hex(digest) };
  }

  // A new Ed25519 key made in the browser. Resolves {privateKey (non-extractable
  // signer), privatePem (PKCS#8, as accordctl keygen writes it, for the officer
  // to keep), publicPem, publicFingerprint}.
  async function generateKey() {
    var subtle = (typeof crypto !== 'undefined' && crypto.subtle) || null;
    if (!subtle) throw new Error('This browser cannot make keys here (no WebCrypto). Use a current Chrome or Edge, or make the key with accordctl keygen.');
    var pair;
    try {
      pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    } catch (e) {
      throw new Error('This browser cannot make Ed25519 keys. Use a current Chrome or Edge, or make the key with accordctl keygen and choose its file.');
    }
    var der = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    var pem = '-----BEGIN PRIVATE KEY-----\n' + b64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '') + '\n-----END PRIVATE KEY-----\n';
    der.fill(0);
    var loaded = await loadPrivateKey(pem);
    loaded.privatePem = pem;
    return loaded;
  }

  async function sign(privateKey, message) {
    var sig = await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, message);
    return b64(sig);
  }

  return { agreementMessage: agreementMessage, withdrawalMessage: withdrawalMessage,
    canonicalWithdrawal: canonicalWithdrawal, rfc3339: rfc3339, loadPrivateKey: loadPrivateKey, sign: sign,
    keyRegistrationMessage: keyRegistrationMessage, generateKey: generateKey };
}));
