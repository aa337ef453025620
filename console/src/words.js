'use strict';
// Plain-English explanations of field treatments, types and classes.

function explainTreatment(t) {
  if (!t || t.startsWith('drop') || t.startsWith('dropped')) return 'Not sent.';
  if (t.startsWith('keep')) return 'Sent exactly as recorded.';
  if (t.startsWith('pseudonymise')) return 'Replaced by a code made with this agreement\'s own key: records about the same person link under this agreement, but the value itself is never sent and codes from other agreements do not match.';
  if (t.startsWith('redact')) return 'Free text is sent with names, numbers, postcodes, phone numbers and other identifiers removed.';
  if (t.startsWith('encrypt')) return 'Sent encrypted so that only the named recipient can read it (personal flows only).';
  if (t.includes('postcode sector')) return 'Only the postcode sector is sent (for example "SG1 4"), never the full postcode.';
  if (t.includes('postcode district')) return 'Only the postcode district is sent (for example "SG1").';
  if (t.includes('age band')) return 'Only the age band at the time of the event is sent, never the date of birth.';
  if (t.includes('grid cell')) return 'Only the British National Grid square the point falls in is sent, not the exact location.';
  if (t.includes('to hour')) return 'The time is rounded down to the hour.';
  if (t.includes('to day')) return 'Only the date is sent, not the time.';
  if (t.includes('ISO week')) return 'Only the week is sent.';
  if (t.includes('to month')) return 'Only the month is sent.';
  if (t.includes('bucket')) return 'The number is rounded down to a range.';
  return 'Changed before it is sent, as the agreement says.';
}

const CLASS_WORDS = {
  direct_identifier: 'identifies a person on its own',
  quasi_identifier: 'could identify a person with other data',
  sensitive: 'sensitive',
  non_personal: 'not personal',
};

const ROLE_WORDS = { provider: 'sends data', recipient: 'receives data', both: 'sends and receives data' };

module.exports = { explainTreatment, CLASS_WORDS, ROLE_WORDS };
