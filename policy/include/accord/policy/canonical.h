// The canonical byte form of an agreement and its fingerprint.
//
// CanonicalBytes() is built from the parsed MODEL, not from the YAML text, so
// comments, layout, quoting and the order of parties, datasets, fields, flows,
// recipients, field treatments and category values do not change it, while
// every change of meaning does. It is "accord.agreement.v1\n" followed by a
// compact JSON object (object keys sorted, no floats) holding every semantic
// member with defaults made explicit (max_length, flow purpose, event_time).
// Sets are sorted: parties by id, datasets by name, fields by name, flows by
// id, recipients, treatments by field name, category values. Keys appear as
// their SHA-256 SPKI fingerprints. Excluded: source locations, signatures,
// source_name, and explicit `drop` treatments (a drop means the same as not
// naming the field).
//
// The fingerprint is SHA-256 over CanonicalBytes(). Parties sign it (see
// signing.h). Changing this encoding invalidates every signature: bump the
// domain string if it must ever change.
//
// All functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "accord/policy/agreement.h"

namespace accord::policy {

inline constexpr std::string_view kAgreementDomain = "accord.agreement.v1\n";

std::string CanonicalBytes(const Agreement& agreement);
std::array<uint8_t, 32> FingerprintBytes(const Agreement& agreement);
// "sha256:<64 lowercase hex>"
std::string Fingerprint(const Agreement& agreement);

// Helpers shared with signing: SHA-256 of `data`, and "sha256:<hex>" text.
std::array<uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Text(const std::array<uint8_t, 32>& digest);

}  // namespace accord::policy
