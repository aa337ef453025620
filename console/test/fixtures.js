'use strict';
// Test fixtures: a throwaway PKI made with the openssl CLI (a CA, the
// console's and a fake hub's server certificates, the agency's client
// certificate and officers' browser certificates, and CRLs made with
// `openssl ca -gencrl`, as a partnership CA would publish them), and a fake hub
// (grpc-js, mTLS) that serves the accord.v1 RPCs the console calls from
// in-memory state. Everything lives in a temporary directory.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { protoDirDefault } = require('../src/hub');

const openssl = (args, opts = {}) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });

// makePki(agency) -> {dir, file(name), read(name), revoke(name), crl(): path}
function makePki(agency) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-console-test-'));
  const f = (n) => path.join(dir, n);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('ca.key')]);
  openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-subj', '/CN=Test partnership CA', '-days', '30', '-out', f('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const issue = (name, subject, ext) => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`)]);
    openssl(['req', '-new', '-key', f(`${name}.key`), '-subj', subject, '-out', f(`${name}.csr`)]);
    fs.writeFileSync(f(`${name}.ext`), ext);
    openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '30', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)]);
  };
  const server = 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
  const client = (san) => `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=${san}\n`;
  issue('console', '/CN=console', server);
  issue('hub', '/CN=hub', server);
  issue('agency', `/CN=${agency}`, client(`URI:accord:agency:${agency}`));
  issue('officer-a', '/CN=Officer A', client(`URI:accord:agency:${agency}`));
  issue('officer-b', '/CN=Officer B', client(`URI:accord:agency:${agency}`));
  // `openssl ca` state for revocations and CRLs.
  fs.writeFileSync(f('index.txt'), '');
  fs.writeFileSync(f('crlnumber'), '01\n');
  fs.writeFileSync(f('ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `database = ${f('index.txt')}`, `crlnumber = ${f('crlnumber')}`,
    `certificate = ${f('ca.crt')}`, `private_key = ${f('ca.key')}`, 'default_md = sha256', 'default_crl_days = 7', '',
  ].join('\n'));
  const gencrl = () => {
    openssl(['ca', '-config', f('ca.cnf'), '-gencrl', '-out', f('crl.pem')]);
    return f('crl.pem');
  };
  return {
    dir,
    file: f,
    read: (n) => fs.readFileSync(f(n)),
    // Revokes certificate NAME.crt and writes a new CRL; returns its path.
    revoke: (name) => {
      openssl(['ca', '-config', f('ca.cnf'), '-revoke', f(`${name}.crt`)]);
      return gencrl();
    },
    crl: gencrl,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// A fake hub on localhost: state is {agreements: [], keys: [], calls: [],
// quarantine: null | {records, total, quarantined_ever} (null: UNIMPLEMENTED)}.
// Resolves {port, state, stop()}.
async function startFakeHub(pki, state) {
  const def = protoLoader.loadSync(['accord/v1/agreement_service.proto', 'accord/v1/audit_service.proto',
    'accord/v1/key_service.proto', 'accord/v1/quarantine_service.proto'], {
    includeDirs: [protoDirDefault], keepCase: true, longs: String, enums: String, defaults: true,
  });
  const v1 = grpc.loadPackageDefinition(def).accord.v1;
  const server = new grpc.Server();
  const unary = (name, fn) => (call, cb) => {
    state.calls.push({ rpc: name, request: call.request });
    try { cb(null, fn(call.request)); } catch (e) { cb(e); }
  };
  server.addService(v1.AgreementService.service, {
    ListAgreements: unary('ListAgreements', () => ({ agreements: state.agreements })),
    GetAgreement: unary('GetAgreement', (r) => {
      const a = state.agreements.find((x) => x.id === r.id && (!r.version || x.version === r.version));
      if (!a) throw Object.assign(new Error('no such agreement'), { code: grpc.status.NOT_FOUND, details: 'no such agreement' });
      return a;
    }),
    SubmitAgreement: unary('SubmitAgreement', () => ({ agreement: { state: 'ACTIVE' } })),
  });
  server.addService(v1.AuditService.service, {
    QueryDisclosures: (call) => { state.calls.push({ rpc: 'QueryDisclosures' }); call.end(); },
  });
  server.addService(v1.KeyService.service, {
    ListKeys: unary('ListKeys', () => {
      if (state.keys === null) throw Object.assign(new Error('key log unreadable'), { code: grpc.status.INTERNAL, details: 'key log unreadable' });
      return { keys: state.keys };
    }),
    RegisterKey: unary('RegisterKey', (r) => (state.keyAnswer ? state.keyAnswer(r) : { event: { key_fingerprint: 'x' }, log_index: 7 })),
    RotateKey: unary('RotateKey', (r) => (state.keyAnswer ? state.keyAnswer(r) : { event: { previous_fingerprint: 'sha256:old' }, log_index: 8 })),
    RevokeKey: unary('RevokeKey', () => ({ log_index: 9 })),
  });
  if (state.quarantine !== undefined) {
    server.addService(v1.QuarantineService.service, {
      ListQuarantined: unary('ListQuarantined', (r) => {
        if (state.quarantine === null) throw Object.assign(new Error('unimplemented'), { code: grpc.status.UNIMPLEMENTED });
        const all = state.quarantine.records;
        const from = r.after_handle ? all.findIndex((x) => x.handle === r.after_handle) + 1 : 0;
        return { records: all.slice(from, from + (r.limit || 1000)), total: String(all.length), quarantined_ever: String(state.quarantine.quarantined_ever) };
      }),
    });
  }
  const creds = grpc.ServerCredentials.createSsl(pki.read('ca.crt'),
    [{ cert_chain: pki.read('hub.crt'), private_key: pki.read('hub.key') }], true);
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('localhost:0', creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, state, stop: () => new Promise((resolve) => server.tryShutdown(resolve)) };
}

module.exports = { makePki, startFakeHub };
