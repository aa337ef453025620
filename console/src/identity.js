'use strict';
// The agency an officer's browser certificate names, read the way the hub reads
// an agency certificate (hub/pki/src/identity.cc): the subjectAltName URI
// accord:agency:<id>; else the subjectAltName DNS names (all valid ones must
// agree); else the subject CN. Ids are [a-z0-9][a-z0-9._-]{1,63}.

const AGENCY_ID = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const URI_PREFIX = 'accord:agency:';

function isAgencyId(s) { return AGENCY_ID.test(s) && !IPV4.test(s); }

// Splits Node's subjectaltname string ('URI:a, DNS:b', values JSON-quoted when
// they hold commas or quotes) into [kind, value] pairs.
function splitSubjectAltName(text) {
  const out = [];
  const re = /\s*([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/gy;
  let m;
  while (re.lastIndex < (text || '').length && (m = re.exec(text)) !== null) {
    let value = m[2];
    if (value.startsWith('"')) {
      try { value = JSON.parse(value); } catch { value = ''; }
    }
    out.push([m[1].trim(), value]);
    if (m[0] === '') break;
  }
  return out;
}

// {agency} or {error} for a peer certificate as returned by
// tlsSocket.getPeerCertificate() (fields subject.CN and subjectaltname).
function agencyFromPeerCertificate(cert) {
  if (!cert || Object.keys(cert).length === 0) {
    return { error: 'no certificate was presented' };
  }
  const sans = splitSubjectAltName(cert.subjectaltname || '');
  const uris = sans.filter(([k, v]) => k === 'URI' && v.startsWith(URI_PREFIX)).map(([, v]) => v.slice(URI_PREFIX.length));
  if (uris.length > 0) {
    if (!uris.every(isAgencyId)) return { error: 'the certificate names an invalid agency id' };
    if (new Set(uris).size > 1) return { error: 'the certificate names more than one agency' };
    return { agency: uris[0] };
  }
  const dns = [...new Set(sans.filter(([k]) => k === 'DNS').map(([, v]) => v).filter(isAgencyId))];
  if (dns.length > 1) return { error: 'the certificate names more than one agency' };
  if (dns.length === 1) return { agency: dns[0] };
  let cn = cert.subject && cert.subject.CN;
  if (Array.isArray(cn)) cn = undefined;  // several CNs: ambiguous, use none
  if (cn && isAgencyId(cn)) return { agency: cn };
  return { error: 'the certificate names no agency' };
}

module.exports = { agencyFromPeerCertificate, splitSubjectAltName, isAgencyId };
