// Keyed pseudonyms: HMAC-SHA256 under a per-agreement linkage key.
//
// Token text form (fixed, 36 bytes):
//   "pz1_" + 32 lowercase hex = first 16 bytes of
//   HMAC-SHA256(key, type_tag || 0x1f || normalised_value)
// Values are normalised by field type first (normalise.h), so the same person
// sent by police and by A&E in different spellings gets the same token within
// one agreement, while another agreement's key gives unlinkable tokens.
//
//   FieldType          type_tag    normalised value
//   kNhsNumber         "nhs"       NormaliseNhsNumber (10 digits, check digit valid)
//   kPostcode          "postcode"  NormalisePostcode ("AL13XY")
//   kName              "name"      NormaliseNameForLinkage, version 2: words
//                                  sorted, particles joined ("oliver smith"
//                                  for "SMITH, Oliver" and "Oliver Smith")
//   kPhone             "phone"     NormalisePhone ("07700900123")
//   kEmail             "email"     NormaliseEmail
//   kDate              "date"      NormaliseDate ("YYYY-MM-DD")
//   kString, kCategory "text"      the exact text (must be valid UTF-8)
//   kInteger           "text"      decimal text ("-42")
//   kDateTime          "text"      RFC 3339 UTC with seconds, fraction only if
//                                  non-zero: "2026-11-22T08:05:00Z"
// Other types (decimal, boolean, geo point, free text) cannot be pseudonymised
// (treatment_rules.h) and give InvalidArgument.
//
// Record references: "rr1_" + 32 hex of
//   HMAC(key, "record" || 0x1f || provider || 0x1f || dataset || 0x1f || record_id).
//
// The key is used only to key the HMAC context; it is not kept elsewhere and
// never appears in any output or error. Error messages never contain values.
//
// Thread safety: NOT thread-safe (it reuses a scratch buffer); each thread
// owns its instance (Clone() is a cheap copy of the pre-keyed HMAC states).
// Movable, not copyable.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/policy/agreement.h"
#include "accord/policy/openssl.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {

class Pseudonymiser {
 public:
  // Minimum linkage key length in bytes.
  static constexpr size_t kMinKeyBytes = 32;
  // Length of every token ("pz1_" + 32 hex) and record reference ("rr1_" + 32 hex).
  static constexpr size_t kTokenLength = 36;

  // InvalidArgument if the key is shorter than kMinKeyBytes.
  static absl::StatusOr<Pseudonymiser> Create(std::string_view key);

  Pseudonymiser(Pseudonymiser&&) = default;
  Pseudonymiser& operator=(Pseudonymiser&&) = default;

  // An independent instance with the same key, for another thread.
  absl::StatusOr<Pseudonymiser> Clone() const;

  // Normalises `in` by `type` and writes its token to *token_out (replacing
  // its contents). InvalidArgument when the value's kind does not match the
  // type (text for text-like types; date or text for kDate; integer;
  // datetime), when the value does not normalise (e.g. a bad NHS check
  // digit), or for a type that cannot be pseudonymised.
  absl::Status Pseudonymise(FieldType type, const v1::Value& in, std::string* token_out);

  // As Pseudonymise for a value given as text (kInteger: decimal digits with
  // optional '-'; kDateTime: not accepted as text, use Pseudonymise).
  absl::Status PseudonymiseText(FieldType type, std::string_view text, std::string* token_out);

  // The keyed reference of a provider's record id (see above). Cannot fail.
  void RecordRef(std::string_view provider, std::string_view dataset, std::string_view record_id,
                 std::string* out);

 private:
  explicit Pseudonymiser(HmacSha256 mac) : mac_(std::move(mac)) {}

  // HMAC over the parts joined with 0x1f; writes prefix + 32 hex to *out.
  void Digest(std::string_view prefix, std::initializer_list<std::string_view> parts,
              std::string* out);

  HmacSha256 mac_;        // keyed HMAC-SHA256 (pre-keyed states, copied per value)
  std::string message_;   // scratch: the HMAC input, reused to avoid allocation
};

}  // namespace accord::policy
