'use strict';
// The partnership at a glance: the hub's agreements grouped by what an officer
// must do about them. `now` is injected so tests fix the date.

const DAY = 24 * 3600 * 1000;
const STATE_WORDS = {
  ACTIVE: 'In force',
  PENDING_SIGNATURES: 'Waiting for signatures',
  NOT_YET_VALID: 'Not yet in force',
  EXPIRED: 'Expired',
  WITHDRAWN: 'Withdrawn',
  SUPERSEDED: 'Replaced by a later version',
  AGREEMENT_STATE_UNSPECIFIED: 'Unknown',
};
const STATE_TAG = {
  ACTIVE: 'govuk-tag--green', PENDING_SIGNATURES: 'govuk-tag--yellow', NOT_YET_VALID: 'govuk-tag--light-blue',
  EXPIRED: 'govuk-tag--grey', WITHDRAWN: 'govuk-tag--red', SUPERSEDED: 'govuk-tag--grey',
};

// Days from `now` to the end of the civil date `ymd` (UTC), negative when past.
function daysUntil(ymd, now) {
  const t = Date.parse(`${ymd}T23:59:59Z`);
  return Math.floor((t - now.getTime()) / DAY);
}

function summarise(agreements, now, agency) {
  const rows = agreements.map((a) => {
    const unsigned = a.parties.filter((p) => !p.signed).map((p) => p.party);
    const reviewIn = daysUntil(a.review_by, now);
    const expiresIn = daysUntil(a.valid_until, now);
    const current = a.state === 'ACTIVE' || a.state === 'PENDING_SIGNATURES' || a.state === 'NOT_YET_VALID';
    return {
      ...a,
      stateWords: STATE_WORDS[a.state] || a.state,
      stateTag: STATE_TAG[a.state] || '',
      unsigned,
      mine: a.parties.some((p) => p.party === agency),
      iMustSign: a.state !== 'WITHDRAWN' && a.state !== 'EXPIRED' && a.state !== 'SUPERSEDED' && unsigned.includes(agency),
      withdrawnBy: a.parties.filter((p) => p.withdrawn).map((p) => p.party),
      reviewIn,
      expiresIn,
      reviewOverdue: current && (a.review_overdue || reviewIn < 0),
      reviewSoon: current && reviewIn >= 0 && reviewIn <= 30,
      expiringSoon: (a.state === 'ACTIVE' || a.state === 'NOT_YET_VALID') && expiresIn >= 0 && expiresIn <= 60,
    };
  });
  rows.sort((x, y) => x.id.localeCompare(y.id) || y.version - x.version);
  return {
    rows,
    pending: rows.filter((r) => r.state === 'PENDING_SIGNATURES'),
    mustSign: rows.filter((r) => r.iMustSign),
    reviewOverdue: rows.filter((r) => r.reviewOverdue),
    reviewSoon: rows.filter((r) => r.reviewSoon),
    expiringSoon: rows.filter((r) => r.expiringSoon),
    withdrawn: rows.filter((r) => r.state === 'WITHDRAWN'),
    counts: Object.fromEntries(Object.keys(STATE_WORDS).map((s) => [s, rows.filter((r) => r.state === s).length])),
  };
}

module.exports = { summarise, daysUntil, STATE_WORDS };
