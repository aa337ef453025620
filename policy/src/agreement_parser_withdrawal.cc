// Withdrawal statements: YAML in and out, and their canonical signed bytes.
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "accord/policy/signing.h"
#include "agreement_parser_support.h"
#include "lint.h"

namespace accord::policy {
namespace {

constexpr size_t kMaxWithdrawalBytes = 64 * 1024;
constexpr std::string_view kWithdrawalKeys[] = {"agreement", "version",   "fingerprint", "party",
                                                "effective", "reason",    "signature"};

std::string JsonQuoted(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

std::string CanonicalWithdrawalBytes(const Withdrawal& w) {
  nlohmann::json j;
  j["agreement"] = w.agreement_id;
  j["version"] = w.version;
  j["fingerprint"] = w.fingerprint;
  j["party"] = w.party;
  j["effective"] = Rfc3339(w.effective);
  j["reason"] = w.reason;
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::string WithdrawalToYaml(const Withdrawal& w) {
  std::string out = absl::StrCat(
      "# Withdrawal from an information-sharing agreement (see policy/AGREEMENT_FORMAT.md)\n",
      "agreement: ", JsonQuoted(w.agreement_id), "\n", "version: ", w.version, "\n",
      "fingerprint: ", JsonQuoted(w.fingerprint), "\n", "party: ", JsonQuoted(w.party), "\n",
      "effective: ", JsonQuoted(Rfc3339(w.effective)), "\n", "reason: ", JsonQuoted(w.reason),
      "\n");
  if (!w.signature_b64.empty()) absl::StrAppend(&out, "signature: ", JsonQuoted(w.signature_b64), "\n");
  return out;
}

absl::StatusOr<Withdrawal> ParseWithdrawal(std::string_view yaml, std::string_view source_name) {
  internal::DiagnosticSink sink{std::string(source_name)};
  Withdrawal w;
  if (yaml.size() > kMaxWithdrawalBytes) {
    sink.Error({}, "oversize", "a withdrawal is a few lines; this document is far too large");
  } else {
    std::string text(yaml);
    if (internal::PreScan(text, sink)) {
      try {
        YAML::Node root = YAML::Load(text);
        internal::SourceMap where;
        internal::NodeReader r(sink, where);
        internal::Ctx ctx{"the withdrawal", "", {1, 1}};
        if (r.ExpectMap(root, ctx)) {
          internal::Fields f = r.ReadMapping(root, ctx, kWithdrawalKeys);
          if (auto v = r.Id(f, "agreement", ctx, true)) w.agreement_id = *v;
          if (auto v = r.Integer(f, "version", ctx, true, 1, UINT32_MAX)) w.version = *v;
          if (auto v = r.Text(f, "fingerprint", ctx, true)) {
            if (internal::IsSha256Text(*v)) {
              w.fingerprint = *v;
            } else {
              sink.Error(f.Find("fingerprint")->value_at, "bad-fingerprint",
                         "the withdrawal's fingerprint must be 'sha256:' and 64 hex digits");
            }
          }
          if (auto v = r.Id(f, "party", ctx, true)) w.party = *v;
          if (auto v = r.Text(f, "effective", ctx, true)) {
            std::string err;
            if (!absl::ParseTime(absl::RFC3339_full, *v, &w.effective, &err)) {
              sink.Error(f.Find("effective")->value_at, "bad-date",
                         "effective must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z");
            }
          }
          if (auto v = r.Text(f, "reason", ctx, true)) w.reason = *v;
          if (auto v = r.Text(f, "signature", ctx, false)) {
            std::string raw;
            if (absl::Base64Unescape(*v, &raw) && raw.size() == 64) {
              w.signature_b64 = *v;
            } else {
              sink.Error(f.Find("signature")->value_at, "bad-signature",
                         "the withdrawal's signature must be a base64 Ed25519 signature");
            }
          }
        }
      } catch (const YAML::Exception& e) {
        internal::SyntaxError(sink, e);
      } catch (const std::exception&) {
        sink.Error({}, "yaml-syntax", "this is not valid YAML");
      }
    }
  }
  if (!sink.has_errors()) return w;
  std::vector<std::string> lines;
  for (const Diagnostic& d : sink.Take()) {
    if (d.severity == Diagnostic::Severity::kError) lines.push_back(FormatDiagnostic(d));
  }
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

}  // namespace accord::policy
