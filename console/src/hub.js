'use strict';
// The hub's gRPC API as the console uses it, over mTLS with the console's own
// agency certificate (so the hub sees the real agency). Every method returns a
// promise; failures are ConsoleErrors in words (errors.js).
const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { fromGrpc, KEY_WORDS } = require('./errors');

const PROTO_FILES = ['accord/v1/agreement_service.proto', 'accord/v1/audit_service.proto',
  'accord/v1/key_service.proto', 'accord/v1/quarantine_service.proto'];

class HubClient {
  // opts: {target, ca, cert, key (file paths), protoDir, timeoutSeconds}
  constructor(opts) {
    const def = protoLoader.loadSync(PROTO_FILES, {
      includeDirs: [opts.protoDir], keepCase: true, longs: String, enums: String, defaults: true,
    });
    const v1 = grpc.loadPackageDefinition(def).accord.v1;
    const creds = grpc.credentials.createSsl(
      fs.readFileSync(opts.ca), fs.readFileSync(opts.key), fs.readFileSync(opts.cert));
    const channelOpts = { 'grpc.max_receive_message_length': 64 << 20 };
    this.agreements = new v1.AgreementService(opts.target, creds, channelOpts);
    this.audit = new v1.AuditService(opts.target, creds, channelOpts);
    this.keys = new v1.KeyService(opts.target, creds, channelOpts);
    this.quarantine = new v1.QuarantineService(opts.target, creds, channelOpts);
    this.timeoutMs = (opts.timeoutSeconds || 10) * 1000;
  }

  deadline() { return new Date(Date.now() + this.timeoutMs); }

  unary(client, method, req, action, words) {
    return new Promise((resolve, reject) => {
      client[method](req, { deadline: this.deadline() }, (err, resp) => {
        if (err) reject(fromGrpc(action, err, words)); else resolve(resp);
      });
    });
  }

  stream(client, method, req, action, onMessage) {
    return new Promise((resolve, reject) => {
      const call = client[method](req, { deadline: this.deadline() });
      call.on('data', onMessage);
      call.on('error', (err) => reject(fromGrpc(action, err)));
      call.on('end', resolve);
    });
  }

  listAgreements() {
    return this.unary(this.agreements, 'ListAgreements', {}, 'list the partnership\'s agreements')
      .then((r) => r.agreements);
  }
  getAgreement(id, version) {
    return this.unary(this.agreements, 'GetAgreement', { id, version: version || 0 },
      `read agreement ${id}${version ? ` version ${version}` : ''}`);
  }
  submitAgreement(document, sourceName) {
    return this.unary(this.agreements, 'SubmitAgreement', { document, source_name: sourceName },
      'submit the agreement');
  }
  submitWithdrawal(document) {
    return this.unary(this.agreements, 'SubmitWithdrawal', { document }, 'submit the withdrawal');
  }
  treeHead(size) {
    return this.unary(this.audit, 'GetTreeHead', { tree_size: String(size || 0) }, 'read the ledger\'s signed tree head');
  }
  // Every disclosure the console's agency made or received since `from` (a Date).
  async disclosures(from) {
    const out = [];
    const req = { page_size: 500 };
    if (from) req.from_time = { seconds: String(Math.floor(from.getTime() / 1000)), nanos: 0 };
    await this.stream(this.audit, 'QueryDisclosures', req, 'read your agency\'s disclosures from the ledger',
      (page) => { for (const d of page.disclosures) out.push(d); });
    return out;
  }
  // The key register (KeyService): every agency's keys with their history.
  listKeys() {
    return this.unary(this.keys, 'ListKeys', {}, 'read the hub\'s register of agency keys', KEY_WORDS);
  }
  // req: {agency, public_key_pem, proof_of_possession (Buffer), reason}
  registerKey(req) {
    return this.unary(this.keys, 'RegisterKey', req, 'register the key', KEY_WORDS);
  }
  rotateKey(req) {
    return this.unary(this.keys, 'RotateKey', req, 'replace your agency\'s key', KEY_WORDS);
  }
  // req: {agency, key_fingerprint, reason}
  revokeKey(req) {
    return this.unary(this.keys, 'RevokeKey', req, 'revoke the key', KEY_WORDS);
  }
  // One page of the caller agency's quarantined records (QuarantineService).
  listQuarantined(limit, afterHandle) {
    return this.unary(this.quarantine, 'ListQuarantined', { limit: limit || 0, after_handle: afterHandle || '' },
      'read your agency\'s quarantined records');
  }
  close() { this.agreements.close(); this.audit.close(); this.keys.close(); this.quarantine.close(); }
}

module.exports = { HubClient, protoDirDefault: path.resolve(__dirname, '../../proto') };
