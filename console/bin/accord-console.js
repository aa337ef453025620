#!/usr/bin/env node
'use strict';
// accord-console: the officers' console for one agency. See console/README.md.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { HubClient, protoDirDefault } = require('../src/hub');
const { AccordCtl } = require('../src/accordctl');
const { ActionLog } = require('../src/actions');
const { createApp } = require('../src/app');
const { makeKeyRegistry } = require('../src/keys');
const { createConsoleServer } = require('../src/server');

const HELP = `accord-console: the officers' console for one agency, over HTTPS with browser certificates.

Usage: accord-console --agency ID --hub HOST:PORT --ca CA.crt --cert AGENCY.crt --key AGENCY.key
                      --tls-cert CONSOLE.crt --tls-key CONSOLE.key [options]

  --agency ID          the agency this console acts for (its certificate must name it)
  --hub HOST:PORT      the hub's gRPC address
  --ca FILE            the partnership CA certificate (checks the hub and officers' browser certificates)
  --cert, --key FILE   the agency's client certificate and key, as its accordctl and connectors use
  --tls-cert, --tls-key FILE  the console's own HTTPS server certificate and key
  --officer-ca FILE    CA for officers' browser certificates (default: --ca)
  --crl FILE           the partnership CA's certificate revocation list (PEM): a revoked officer
                       certificate is refused. Re-read on SIGHUP and when the file changes.
  --listen HOST:PORT   where to serve HTTPS (default 127.0.0.1:8443; port 0 picks a free one)
  --hub-metrics URL    the hub's metrics endpoint, e.g. http://127.0.0.1:9464/metrics
  --accordctl FILE     the accordctl binary (default: accordctl on PATH)
  --data-dir DIR       the action log and ledger pins (default ./console-data)
  --quiet-hours N      a flow with nothing for N hours counts as quiet (default 24)
`;

function fail(message) {
  process.stderr.write(`accord-console: ${message}\n`);
  process.exit(1);
}

function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        agency: { type: 'string' }, hub: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' },
        key: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
        'officer-ca': { type: 'string' }, crl: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:8443' },
        'hub-metrics': { type: 'string' }, accordctl: { type: 'string', default: 'accordctl' },
        'data-dir': { type: 'string', default: 'console-data' }, 'quiet-hours': { type: 'string', default: '24' },
        'proto-dir': { type: 'string', default: protoDirDefault }, help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    fail(`${e.message}\n\n${HELP}`);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  for (const k of ['agency', 'hub', 'ca', 'cert', 'key', 'tls-cert', 'tls-key']) {
    if (!args[k]) fail(`--${k} is required (see --help)`);
  }
  const read = (k) => {
    try { return fs.readFileSync(args[k]); } catch (e) { return fail(`cannot read --${k} ${args[k]}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`); }
  };
  const [host, portText] = [args.listen.slice(0, args.listen.lastIndexOf(':')), args.listen.slice(args.listen.lastIndexOf(':') + 1)];
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) fail(`--listen must be HOST:PORT, not ${args.listen}`);
  fs.mkdirSync(args['data-dir'], { recursive: true, mode: 0o700 });

  for (const k of ['ca', 'cert', 'key']) read(k);
  const hub = new HubClient({ target: args.hub, ca: args.ca, cert: args.cert, key: args.key, protoDir: args['proto-dir'] });
  const ctl = new AccordCtl(args.accordctl, ['--hub', args.hub, '--ca', args.ca, '--cert', args.cert, '--key', args.key]);
  const app = createApp({
    agency: args.agency, hub, ctl, metricsUrl: args['hub-metrics'], dataDir: args['data-dir'],
    actions: new ActionLog(args['data-dir']), keyRegistry: makeKeyRegistry({ hub }),
    quietHours: Number(args['quiet-hours']) || 24,
  });
  let server;
  let reloadCrl;
  try {
    ({ server, reloadCrl } = createConsoleServer({
      cert: read('tls-cert'), key: read('tls-key'), ca: read(args['officer-ca'] ? 'officer-ca' : 'ca'), crlFile: args.crl,
    }, app));
  } catch (e) {
    fail(e.message);
  }
  if (args.crl) {
    // Re-read the CRL when the partnership publishes a new one (the file is
    // polled, so a replaced file is seen too) or on SIGHUP.
    process.on('SIGHUP', reloadCrl);
    fs.watchFile(args.crl, { interval: 5000 }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) reloadCrl();
    });
  }
  server.on('error', (e) => fail(`cannot listen on ${args.listen}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`));
  server.listen(port, host, () => {
    const p = server.address().port;
    const shown = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    process.stdout.write(`accord-console for ${args.agency} ready on port ${p}: https://${shown}:${p}/\n`);
  });
  const stop = () => {
    if (args.crl) fs.unwatchFile(args.crl);
    server.close(() => { hub.close(); process.exit(0); });
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
