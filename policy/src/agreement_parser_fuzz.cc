// libFuzzer target: arbitrary bytes into the agreement and withdrawal parsers.
// Both must return diagnostics or a status for any input, never crash, hang or
// throw. The first byte chooses the parser so one corpus exercises both; a
// document that parses is also put through the canonical form, the status
// evaluation and the signature-append text edit. Inputs stay small
// (-max_len=65536 is plenty: the 1 MiB cap is tested in lint_test).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/lifecycle.h"
#include "accord/policy/signing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace accord::policy;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    absl::StatusOr<Withdrawal> w = ParseWithdrawal(text, "fuzz");
    if (w.ok()) (void)WithdrawalToYaml(*w);
    return 0;
  }
  ParseResult r = ParseAgreement(text, "fuzz");
  for (const Diagnostic& d : r.diagnostics) (void)FormatDiagnostic(d);
  if (r.ok()) {
    (void)Fingerprint(*r.agreement);
    (void)EvaluateStatus(*r.agreement, {}, absl::FromUnixSeconds(1780000000));
    for (const Signature& s : r.agreement->signatures) {
      (void)AppendSignatureYaml(text, s);
    }
  }
  return 0;
}
