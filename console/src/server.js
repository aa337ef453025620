'use strict';
// The console's HTTPS server: its own certificate, officers' browser
// certificates requested and checked against the partnership CA, and
// optionally a certificate revocation list (CRL, PEM) so that a revoked
// officer certificate is refused. The CRL is re-read by reloadCrl() (the
// command line calls it on SIGHUP and when the file changes); a CRL that
// cannot be read or parsed keeps the previous one in force and is reported.
//
// TLS itself does not reject a bad certificate (rejectUnauthorized: false):
// app.js refuses the request with a page in words (socket.authorized and
// authorizationError, e.g. CERT_REVOKED), so the officer learns what to do.
const fs = require('node:fs');
const https = require('node:https');
const tls = require('node:tls');

// Reads and checks a CRL file (PEM); throws an Error in words.
function readCrl(file) {
  let pem;
  try {
    pem = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read the CRL ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (!/-----BEGIN X509 CRL-----/.test(pem.toString('latin1'))) {
    throw new Error(`${file} is not a CRL in PEM form (-----BEGIN X509 CRL-----); convert a DER CRL with openssl crl -inform DER -in FILE -out FILE.pem`);
  }
  return pem;
}

// opts: {cert, key, ca (Buffers), crlFile (path or undefined), log (line => void)}
// Returns {server, reloadCrl}. reloadCrl() returns true when the new CRL is in
// force, false when it kept the previous one (and logged why). Throws (in
// words) when the first CRL cannot be read: the console must not start
// without the revocations it was told to apply.
function createConsoleServer(opts, app) {
  const log = opts.log || ((line) => process.stderr.write(`${line}\n`));
  const base = { cert: opts.cert, key: opts.key, ca: opts.ca, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
  const withCrl = (crl) => (crl ? { ...base, crl } : base);
  const first = opts.crlFile ? readCrl(opts.crlFile) : null;
  // Checks that OpenSSL accepts the CRL (node throws on a malformed one).
  if (first) tls.createSecureContext(withCrl(first));
  // A connection made before the latest CRL was loaded serves at most the
  // request in flight ("Connection: close"), so the next one is checked
  // against the new list (a new context also means new session-ticket keys,
  // so no session resumes past it).
  let generation = 0;
  const server = https.createServer(withCrl(first), (req, res) => {
    if (req.socket.accordCrlGeneration !== generation) res.setHeader('Connection', 'close');
    app(req, res);
  });
  server.on('secureConnection', (sock) => { sock.accordCrlGeneration = generation; });
  function reloadCrl() {
    if (!opts.crlFile) return false;
    try {
      const crl = readCrl(opts.crlFile);
      server.setSecureContext(withCrl(crl));
      generation += 1;
      server.closeIdleConnections();
      log(`accord-console: reloaded the certificate revocation list ${opts.crlFile}`);
      return true;
    } catch (e) {
      log(`accord-console: kept the previous certificate revocation list: ${e.message}`);
      return false;
    }
  }
  return { server, reloadCrl };
}

module.exports = { createConsoleServer, readCrl };
