'use strict';
// Errors in words: every failure the console shows says what happened and what
// to do next. gRPC status codes never reach the page on their own.
const { status } = require('@grpc/grpc-js');

// What each gRPC status from the hub means for an officer, and what to do.
const HUB_WORDS = {
  [status.INVALID_ARGUMENT]: 'The hub refused the document because it is not valid. Fix the problems listed and try again.',
  [status.NOT_FOUND]: 'The hub does not know that agreement or version. Check the id and version, or submit the agreement first.',
  [status.ALREADY_EXISTS]: 'That agreement version is already in force with different content. Raise the version number and circulate the new text for signature.',
  [status.PERMISSION_DENIED]: 'The hub refused this for your agency. Check that your agency is a party to the agreement and that the signature was made with your agency\'s registered key.',
  [status.UNAUTHENTICATED]: 'The hub did not accept the console\'s agency certificate. Ask your partnership\'s certificate administrator to check the certificate and that it was issued by the partnership CA.',
  [status.FAILED_PRECONDITION]: 'The hub cannot do this in the agreement\'s current state. Reload the page to see its state, then try again.',
  [status.RESOURCE_EXHAUSTED]: 'The document is too large, or the hub is too busy. Make the document smaller, or try again in a minute.',
  [status.UNAVAILABLE]: 'The console cannot reach the hub. Check that the hub is running and that its address is right, then try again. If it keeps happening, contact your hub operator.',
  [status.DEADLINE_EXCEEDED]: 'The hub did not answer in time. Try again in a minute; if it keeps happening, contact your hub operator.',
  [status.DATA_LOSS]: 'The hub found damaged data. Contact your hub operator straight away: this must be investigated.',
  [status.INTERNAL]: 'The hub had an internal error. Try again; if it keeps happening, contact your hub operator with the time it happened.',
  [status.UNIMPLEMENTED]: 'This hub does not offer that service yet. Ask your hub operator to upgrade it.',
  [status.CANCELLED]: 'The request was cancelled before the hub answered. Try again.',
  [status.ABORTED]: 'The hub stopped the request because of a conflicting change. Try again.',
  [status.OUT_OF_RANGE]: 'The hub was asked for something outside what it holds (for example a ledger size it has not reached). Reload and try again.',
};

// An error the console shows: a heading-free sentence of what happened, what to
// do, and (optionally) the hub's own detail, which never carries personal data.
class ConsoleError extends Error {
  constructor(what, todo, detail) {
    super(`${what} ${todo}`.trim());
    this.what = what;
    this.todo = todo;
    this.detail = detail || '';
  }
}

// What a status means for a key change (KeyService), where it differs.
const KEY_WORDS = {
  [status.FAILED_PRECONDITION]: 'The hub\'s key register does not allow this change now (for example your agency already has a current key, so replace it instead of registering another; or that key was already revoked, or is already registered). Reload the Keys page to see the register, then try again.',
  [status.PERMISSION_DENIED]: 'The hub refused the key change: the proof that your agency holds the private key did not verify, or the key is not your agency\'s. Choose your agency\'s key and try again.',
  [status.NOT_FOUND]: 'Your agency has registered no key with that fingerprint. Reload the Keys page and choose a key from the register.',
  [status.INVALID_ARGUMENT]: 'The hub refused the key: it is not an Ed25519 public key, or the request is incomplete. Use a key made by accordctl keygen or by this page.',
};

// A ConsoleError for a failed hub call `action` ("submit the agreement");
// `words` overrides HUB_WORDS for some codes. The gRPC code is kept as
// `grpcCode` for callers that fall back (never shown).
function fromGrpc(action, err, words = {}) {
  const text = words[err && err.code] || HUB_WORDS[err && err.code] ||
    'Something unexpected went wrong talking to the hub. Try again; if it keeps happening, contact your hub operator.';
  let detail = (err && err.details) || '';
  if (err && err.code === status.UNAVAILABLE) detail = '';  // transport noise, not for officers
  const e = new ConsoleError(`Could not ${action}.`, text, detail);
  e.grpcCode = err && err.code;
  e.httpStatus = { [status.UNAVAILABLE]: 503, [status.DEADLINE_EXCEEDED]: 504, [status.NOT_FOUND]: 404,
    [status.PERMISSION_DENIED]: 403, [status.UNAUTHENTICATED]: 502, [status.INTERNAL]: 502, [status.DATA_LOSS]: 502 }[err && err.code] || 400;
  return e;
}

module.exports = { ConsoleError, fromGrpc, HUB_WORDS, KEY_WORDS };
