'use strict';
// Text edits of agreement and withdrawal documents, as the policy library makes
// them (policy/src/agreement_parser_edit.cc AppendSignatureYaml and
// agreement_parser_withdrawal.cc WithdrawalToYaml). The result is always checked
// by accordctl / the hub before anything is submitted.

const q = (s) => JSON.stringify(String(s)).replace(/[\u0080-\uffff]/g,
  (c) => '\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4));

const isBlank = (l) => /^\s*$/.test(l);
const isComment = (l) => /^\s*#/.test(l);
const indentOf = (l) => l.length - l.trimStart().length;

// Appends {party, fingerprint, signed_at, signature, public_key?} to the
// document's top-level `signatures:` list (adding the list when absent).
function appendSignature(text, sig) {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  let at = lines.findIndex((l) => l.startsWith('signatures:'));
  let indent = 2;
  let insertAt;
  if (at < 0) {
    while (lines.length && isBlank(lines[lines.length - 1])) lines.pop();
    lines.push('signatures:');
    insertAt = lines.length;
  } else {
    if (lines[at].slice(11).includes('[]')) lines[at] = 'signatures:';
    for (let i = at + 1; i < lines.length; i++) {
      if (isBlank(lines[i]) || isComment(lines[i])) continue;
      if (lines[i].trimStart().startsWith('-')) indent = indentOf(lines[i]);
      break;
    }
    insertAt = lines.length;
    for (let i = at + 1; i < lines.length; i++) {
      if (isBlank(lines[i]) || isComment(lines[i])) continue;
      const ind = indentOf(lines[i]);
      if (ind === 0 && !(indent === 0 && lines[i].startsWith('-'))) { insertAt = i; break; }
    }
    while (insertAt > at + 1 && isBlank(lines[insertAt - 1])) insertAt--;
  }
  const pad = ' '.repeat(indent);
  const entry = [
    `${pad}- party: ${q(sig.party)}`,
    `${pad}  fingerprint: ${q(sig.fingerprint)}`,
    `${pad}  signed_at: ${q(sig.signed_at)}`,
    `${pad}  signature: ${q(sig.signature)}`,
  ];
  if (sig.public_key) {
    entry.push(`${pad}  public_key: |`);
    for (const l of sig.public_key.trim().split('\n')) entry.push(`${pad}    ${l.trim()}`);
  }
  lines.splice(insertAt, 0, ...entry);
  return lines.join('\n') + '\n';
}

// The withdrawal statement file for a signed withdrawal.
function withdrawalYaml(w) {
  return '# Withdrawal from an information-sharing agreement (see policy/AGREEMENT_FORMAT.md)\n' +
    `agreement: ${q(w.agreement)}\nversion: ${Number(w.version)}\nfingerprint: ${q(w.fingerprint)}\n` +
    `party: ${q(w.party)}\neffective: ${q(w.effective)}\nreason: ${q(w.reason)}\nsignature: ${q(w.signature)}\n`;
}

// Reads the few top-level scalars of a withdrawal file (for messages only; the
// hub parses and verifies it).
function withdrawalSummary(text) {
  const get = (k) => {
    const m = new RegExp(`^${k}:\\s*"?([^"\\n]*)"?\\s*$`, 'm').exec(text);
    return m ? m[1] : '';
  };
  return { agreement: get('agreement'), version: Number(get('version')) || 0, party: get('party') };
}

module.exports = { appendSignature, withdrawalYaml, withdrawalSummary };
