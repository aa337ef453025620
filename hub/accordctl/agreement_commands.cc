// accordctl agreement ...: lint, fingerprint, show, sign, verify, diff,
// set-key, withdraw.
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "accord/policy/agreement_diff.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/lifecycle.h"
#include "accord/policy/signing.h"
#include "commands.h"
#include "exit_codes.h"
#include "key_commands.h"
#include "files.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

using policy::Agreement;
using policy::AgreementState;
using policy::Diagnostic;
using Json = nlohmann::ordered_json;

std::string S(std::string_view v) { return std::string(v); }

void PrintError(absl::string_view message) { std::cerr << "accordctl: " << message << "\n"; }

Json DiagnosticJson(const Diagnostic& d) {
  return Json{{"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
              {"file", d.file}, {"line", d.line}, {"column", d.column},
              {"code", d.code}, {"message", d.message}};
}

// A parsed file: the agreement if valid, plus diagnostics.
struct Loaded {
  std::string text;
  policy::ParseResult result;
};

std::optional<Loaded> Load(const std::string& path, int* exit_code) {
  auto text = ReadFile(path, policy::kMaxAgreementBytes + 1);
  if (!text.ok()) {
    PrintError(text.status().message());
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  Loaded loaded{std::move(text).value(), {}};
  loaded.result = policy::ParseAgreement(loaded.text, path);
  return loaded;
}

// Loads a file that must be valid; prints its diagnostics otherwise.
std::optional<Loaded> LoadValid(const std::string& path, int* exit_code) {
  auto loaded = Load(path, exit_code);
  if (!loaded) return std::nullopt;
  if (!loaded->result.ok()) {
    for (const auto& d : loaded->result.diagnostics) std::cerr << policy::FormatDiagnostic(d) << "\n";
    std::cerr << path << " is not a valid agreement: fix the errors above (accordctl agreement lint "
              << path << ")\n";
    *exit_code = kExitInvalid;
    return std::nullopt;
  }
  return loaded;
}

int ExitCodeFor(AgreementState state) {
  switch (state) {
    case AgreementState::kActive: return kExitOk;
    case AgreementState::kPendingSignatures:
    case AgreementState::kInvalid: return kExitUnsigned;
    case AgreementState::kNotYetValid:
    case AgreementState::kExpired:
    case AgreementState::kWithdrawn: return kExitInactive;
  }
  return kExitUsage;
}

absl::StatusOr<absl::Time> ParseTimeOrNow(const std::string& text) {
  if (text.empty()) return absl::Now();
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not an RFC 3339 time such as 2026-12-01T00:00:00Z"));
  }
  return t;
}

// The party whose signing key matches `private_pem`, or `party` if given.
absl::StatusOr<std::string> PartyForKey(const Agreement& a, std::string_view private_pem,
                                        const std::string& party) {
  if (!party.empty()) return party;
  auto pub = policy::PublicKeyFromPrivate(private_pem);
  if (!pub.ok()) return pub.status();
  auto fp = policy::PublicKeyFingerprint(*pub);
  if (!fp.ok()) return fp.status();
  for (const auto& p : a.parties) {
    if (p.signing_key_fingerprint == *fp) return p.id;
  }
  return absl::NotFoundError(absl::StrCat(
      "this key (", *fp, ") is not the signing key of any party of '", a.id,
      "'; pass --party to say who you sign for, or check you have the right key"));
}

}  // namespace

int RunLint(const AgreementFileOptions& o) {
  int worst = kExitOk;
  Json out = Json::array();
  for (const std::string& file : o.files) {
    int code = kExitOk;
    auto loaded = Load(file, &code);
    if (!loaded) {
      worst = std::max(worst, code);
      continue;
    }
    const auto& r = loaded->result;
    const bool ok = r.ok();
    if (!ok) worst = std::max(worst, kExitInvalid);
    if (o.json) {
      Json diags = Json::array();
      for (const auto& d : r.diagnostics) diags.push_back(DiagnosticJson(d));
      out.push_back(Json{{"file", file}, {"valid", ok}, {"diagnostics", diags}});
    } else {
      for (const auto& d : r.diagnostics) std::cout << policy::FormatDiagnostic(d) << "\n";
      int errors = 0, warnings = 0;
      for (const auto& d : r.diagnostics) {
        (d.severity == Diagnostic::Severity::kError ? errors : warnings)++;
      }
      std::cout << file << ": " << (ok ? "valid" : "INVALID") << " (" << errors << " error"
                << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
                << (warnings == 1 ? "" : "s") << ")\n";
    }
  }
  if (o.json) std::cout << out.dump(2) << "\n";
  return worst;
}

int RunFingerprint(const AgreementFileOptions& o) {
  int worst = kExitOk;
  Json out = Json::array();
  for (const std::string& file : o.files) {
    int code = kExitOk;
    auto loaded = LoadValid(file, &code);
    if (!loaded) {
      worst = std::max(worst, code);
      continue;
    }
    const Agreement& a = *loaded->result.agreement;
    const std::string fp = policy::Fingerprint(a);
    if (o.json) {
      out.push_back(Json{{"file", file}, {"id", a.id}, {"version", a.version}, {"fingerprint", fp}});
    } else {
      std::cout << fp << "  " << file << "\n";
    }
  }
  if (o.json) std::cout << out.dump(2) << "\n";
  return worst;
}

int RunShow(const AgreementFileOptions& o) {
  int worst = kExitOk;
  for (const std::string& file : o.files) {
    int code = kExitOk;
    auto loaded = LoadValid(file, &code);
    if (!loaded) {
      worst = std::max(worst, code);
      continue;
    }
    const Agreement& a = *loaded->result.agreement;
    const std::string fp = policy::Fingerprint(a);
    if (o.json) {
      Json parties = Json::array();
      for (const auto& p : a.parties) {
        parties.push_back(Json{{"id", p.id}, {"name", p.name}, {"role", S(policy::PartyRoleName(p.role))},
                               {"contact", p.contact}, {"signing_key", p.signing_key_fingerprint},
                               {"can_receive_encrypted", !p.encryption_key_pem.empty()}});
      }
      Json flows = Json::array();
      for (const auto& f : a.flows) {
        const auto* ds = a.FindDataset(f.dataset);
        Json fields = Json::array();
        for (const auto& spec : ds->fields) {
          const auto* ft = f.FindField(spec.name);
          fields.push_back(Json{{"field", spec.name}, {"type", S(policy::FieldTypeName(spec.type))},
                                {"class", S(policy::ClassificationName(spec.classification))},
                                {"leaves", ft != nullptr && ft->treatment.kind != policy::TreatmentKind::kDrop},
                                {"treatment", ft ? policy::DescribeTreatment(ft->treatment) : "dropped (not named)"}});
        }
        flows.push_back(Json{{"id", f.id}, {"from", f.provider}, {"to", f.recipients},
                             {"dataset", f.dataset}, {"dataset_version", ds->version},
                             {"mode", S(policy::FlowModeName(f.mode))},
                             {"event_time", S(policy::GeneralisationName(f.event_time))},
                             {"purpose", f.purpose.empty() ? a.purpose : f.purpose},
                             {"fields", fields}});
      }
      Json j{{"file", file}, {"id", a.id}, {"version", a.version}, {"title", a.title},
             {"fingerprint", fp}, {"purpose", a.purpose}, {"legal_basis", a.legal_basis},
             {"valid_from", absl::FormatCivilTime(a.valid_from)},
             {"valid_until", absl::FormatCivilTime(a.valid_until)},
             {"review_by", absl::FormatCivilTime(a.review_by)},
             {"retention_days", a.retention_days},
             {"small_number_threshold", a.small_number_threshold},
             {"parties", parties}, {"flows", flows}};
      std::cout << j.dump(2) << "\n";
      continue;
    }
    std::cout << "Agreement " << a.id << " version " << a.version << ": " << a.title << "\n"
              << "  Fingerprint:  " << fp << "\n"
              << "  Purpose:      " << a.purpose << "\n"
              << "  Legal basis:  " << a.legal_basis << "\n"
              << "  In force:     " << absl::FormatCivilTime(a.valid_from) << " to "
              << absl::FormatCivilTime(a.valid_until) << " (review by "
              << absl::FormatCivilTime(a.review_by) << ")\n"
              << "  Retention:    " << a.retention_days << " days\n"
              << "  Publication:  counts below " << a.small_number_threshold
              << " are suppressed\n\n  Parties:\n";
    for (const auto& p : a.parties) {
      std::printf("    %-24s %-9s %s <%s>\n", p.id.c_str(), S(policy::PartyRoleName(p.role)).c_str(),
                  p.name.c_str(), p.contact.c_str());
    }
    for (const auto& f : a.flows) {
      const auto* ds = a.FindDataset(f.dataset);
      std::cout << "\n  Flow " << f.id << ": " << f.provider << " -> "
                << absl::StrJoin(f.recipients, ", ") << "\n"
                << "    dataset " << f.dataset << " v" << ds->version << ", "
                << policy::FlowModeName(f.mode) << ", event time to the "
                << policy::GeneralisationName(f.event_time)
                << (f.area_field.empty() ? "" : absl::StrCat(", area from '", f.area_field, "'"))
                << "\n    purpose: " << (f.purpose.empty() ? a.purpose : f.purpose) << "\n";
      std::printf("    %-22s %-11s %-18s %s\n", "FIELD", "TYPE", "CLASS", "LEAVES AS");
      for (const auto& spec : ds->fields) {
        const auto* ft = f.FindField(spec.name);
        std::string leaves = ft == nullptr ? "- not shared (not named in the flow)"
                             : ft->treatment.kind == policy::TreatmentKind::kDrop
                                 ? "- not shared (dropped)"
                                 : policy::DescribeTreatment(ft->treatment);
        std::printf("    %-22s %-11s %-18s %s\n", spec.name.c_str(),
                    S(policy::FieldTypeName(spec.type)).c_str(),
                    S(policy::ClassificationName(spec.classification)).c_str(), leaves.c_str());
      }
    }
  }
  return worst;
}

int RunSign(const SignOptions& o) {
  int code = kExitOk;
  auto loaded = LoadValid(o.file, &code);
  if (!loaded) return code;
  const Agreement& a = *loaded->result.agreement;
  auto key = ReadFile(o.key, 64 * 1024);
  if (!key.ok()) {
    PrintError(key.status().message());
    return kExitUsage;
  }
  auto party = PartyForKey(a, *key, o.party);
  if (!party.ok()) {
    PrintError(party.status().message());
    return kExitUsage;
  }
  auto sig = policy::SignAgreement(a, *party, *key, absl::Now());
  if (!sig.ok()) {
    PrintError(sig.status().message());
    return kExitUsage;
  }
  for (const auto& existing : a.signatures) {
    if (existing.party == *party && policy::VerifySignature(a, existing).ok()) {
      std::cout << *party << " has already signed " << a.id << " v" << a.version << " ("
                << sig->fingerprint << "); nothing to do\n";
      return kExitOk;
    }
  }
  const std::string signed_text = policy::AppendSignatureYaml(loaded->text, *sig);
  const std::string out = o.output.empty() ? o.file : o.output;
  if (auto s = WriteFile(out, signed_text); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  if (o.json) {
    std::cout << Json{{"file", out}, {"party", *party}, {"fingerprint", sig->fingerprint},
                      {"signed_at", sig->signed_at}}.dump(2) << "\n";
  } else {
    std::cout << "Signed " << a.id << " v" << a.version << " as " << *party << "\n"
              << "  fingerprint " << sig->fingerprint << "\n  written to " << out << "\n";
  }
  return kExitOk;
}

int RunVerify(const VerifyOptions& o) {
  int code = kExitOk;
  auto loaded = LoadValid(o.file, &code);
  if (!loaded) return code;
  const Agreement& a = *loaded->result.agreement;
  auto now = ParseTimeOrNow(o.at);
  if (!now.ok()) {
    PrintError(now.status().message());
    return kExitUsage;
  }
  std::vector<policy::Withdrawal> withdrawals;
  for (const std::string& path : o.withdrawals) {
    auto text = ReadFile(path, 64 * 1024);
    if (!text.ok()) {
      PrintError(text.status().message());
      return kExitUsage;
    }
    auto w = policy::ParseWithdrawal(*text, path);
    if (!w.ok()) {
      PrintError(w.status().message());
      return kExitInvalid;
    }
    if (auto s = o.keys.empty() ? policy::VerifyWithdrawal(a, *w) : absl::OkStatus(); !s.ok()) {
      std::cerr << "accordctl: warning: " << path << " is not a valid withdrawal from this agreement: "
                << s.message() << "\n";
    }
    withdrawals.push_back(std::move(w).value());
  }
  std::optional<hub::VerifiedKeyLog> key_log;
  if (!o.keys.empty()) {
    auto loaded_keys = LoadKeyLogFile(o.keys, o.expect_key_log_key);
    if (!loaded_keys.ok()) {
      PrintError(loaded_keys.status().message());
      return loaded_keys.status().code() == absl::StatusCode::kNotFound ||
                     loaded_keys.status().code() == absl::StatusCode::kInvalidArgument
                 ? kExitUsage
                 : kExitTampered;
    }
    key_log = std::move(loaded_keys).value();
  }
  policy::AgreementStatus st;
  if (key_log) {
    // Offline, the time the hub accepted each signature is not known: the
    // signature's own signed_at stands for it (the key must have been the
    // party's current key then, and must not be revoked now).
    policy::RegisteredKeyContext ctx;
    ctx.keys = &key_log->keys;
    ctx.accepted_at = [&](const policy::Signature& s) {
      absl::Time t;
      std::string err;
      return absl::ParseTime(absl::RFC3339_full, s.signed_at, &t, &err) ? t : *now;
    };
    st = policy::EvaluateStatus(a, withdrawals, *now, ctx);
  } else {
    st = policy::EvaluateStatus(a, withdrawals, *now);
  }
  const std::string fp = policy::Fingerprint(a);
  if (o.json) {
    Json parties = Json::array();
    for (const auto& p : st.parties) {
      parties.push_back(Json{{"party", p.party}, {"signed", p.signed_valid}, {"problem", p.problem}});
    }
    std::cout << Json{{"file", o.file}, {"id", a.id}, {"version", a.version}, {"fingerprint", fp},
                      {"state", S(policy::AgreementStateName(st.state))},
                      {"active", st.state == AgreementState::kActive},
                      {"review_overdue", st.review_overdue}, {"reason", st.reason},
                      {"keys_checked_against", key_log ? "registered key log" : "document"},
                      {"parties", parties}}.dump(2) << "\n";
  } else {
    std::cout << a.id << " v" << a.version << "  " << fp << "\n";
    for (const auto& p : st.parties) {
      std::printf("  %-24s %s\n", p.party.c_str(),
                  p.signed_valid ? "signed" : absl::StrCat("NOT SIGNED: ", p.problem).c_str());
    }
    std::cout << "State: " << policy::AgreementStateName(st.state)
              << (st.review_overdue ? " (review overdue)" : "") << "\n  " << st.reason << "\n";
    if (key_log) {
      std::cout << "Signatures checked against the agencies' registered keys: "
                << DescribeKeyLog(o.keys, *key_log) << "\n";
    } else {
      std::cerr << "accordctl: note: signatures were checked against the keys written in the "
                   "document, which anyone can write; add --keys KEYLOG (from `accordctl key "
                   "export`) to check each party's own registered key, as the hub does\n";
    }
  }
  return ExitCodeFor(st.state);
}

int RunDiff(const DiffOptions& o) {
  int code = kExitOk;
  auto before = LoadValid(o.old_file, &code);
  if (!before) return code;
  auto after = LoadValid(o.new_file, &code);
  if (!after) return code;
  const auto diff = policy::DiffAgreements(*before->result.agreement, *after->result.agreement);
  if (o.json) {
    Json fields = Json::array();
    for (const auto& c : diff.fields) {
      fields.push_back(Json{{"change", S(policy::FieldChangeKindName(c.kind))}, {"recipient", c.recipient},
                            {"provider", c.provider}, {"dataset", c.dataset}, {"field", c.field},
                            {"before", c.before}, {"after", c.after},
                            {"more_revealing", c.more_revealing}});
    }
    std::cout << Json{{"old", o.old_file}, {"new", o.new_file},
                      {"old_fingerprint", policy::Fingerprint(*before->result.agreement)},
                      {"new_fingerprint", policy::Fingerprint(*after->result.agreement)},
                      {"general", diff.general}, {"fields", fields}}.dump(2) << "\n";
    return kExitOk;
  }
  if (diff.empty()) {
    std::cout << "No change of meaning between " << o.old_file << " and " << o.new_file << ".\n";
    return kExitOk;
  }
  if (!diff.general.empty()) {
    std::cout << "Agreement changes:\n";
    for (const auto& g : diff.general) std::cout << "  * " << g << "\n";
  }
  std::string current;
  for (const auto& c : diff.fields) {
    if (c.recipient != current) {
      current = c.recipient;
      std::cout << "\nWhat " << current << " receives:\n";
    }
    const char* mark = c.kind == policy::FieldChange::Kind::kGained ? "+"
                       : c.kind == policy::FieldChange::Kind::kLost ? "-" : "~";
    std::cout << "  " << mark << " " << c.provider << " " << c.dataset << "." << c.field << ": ";
    switch (c.kind) {
      case policy::FieldChange::Kind::kGained: std::cout << "GAINED, as " << c.after; break;
      case policy::FieldChange::Kind::kLost: std::cout << "lost (was " << c.before << ")"; break;
      case policy::FieldChange::Kind::kChanged:
        std::cout << c.before << " -> " << c.after;
        break;
    }
    std::cout << (c.more_revealing ? "   [reveals more]" : "") << "\n";
  }
  return kExitOk;
}

int RunSetKey(const SetKeyOptions& o) {
  auto text = ReadFile(o.file, policy::kMaxAgreementBytes + 1);
  auto pub = ReadFile(o.public_key, 64 * 1024);
  for (const auto* s : {&text.status(), &pub.status()}) {
    if (!s->ok()) {
      PrintError(s->message());
      return kExitUsage;
    }
  }
  auto updated = o.encryption ? policy::SetPartyEncryptionKey(*text, o.party, *pub)
                              : policy::SetPartySigningKey(*text, o.party, *pub);
  if (!updated.ok()) {
    PrintError(updated.status().message());
    return updated.status().code() == absl::StatusCode::kInvalidArgument ? kExitInvalid : kExitUsage;
  }
  const std::string out = o.output.empty() ? o.file : o.output;
  if (auto s = WriteFile(out, *updated); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  std::cout << "Set " << (o.encryption ? "encryption" : "signing") << " key of " << o.party
            << " in " << out << (o.encryption ? "" : " (existing signatures removed)") << "\n";
  return kExitOk;
}

int RunWithdraw(const WithdrawOptions& o) {
  int code = kExitOk;
  auto loaded = LoadValid(o.file, &code);
  if (!loaded) return code;
  const Agreement& a = *loaded->result.agreement;
  auto key = ReadFile(o.key, 64 * 1024);
  if (!key.ok()) {
    PrintError(key.status().message());
    return kExitUsage;
  }
  auto party = PartyForKey(a, *key, o.party);
  auto effective = ParseTimeOrNow(o.effective);
  if (!party.ok() || !effective.ok()) {
    PrintError(!party.ok() ? party.status().message() : effective.status().message());
    return kExitUsage;
  }
  if (o.reason.empty()) {
    PrintError("--reason is required: say why the party withdraws");
    return kExitUsage;
  }
  policy::Withdrawal w;
  w.agreement_id = a.id;
  w.version = a.version;
  w.fingerprint = policy::Fingerprint(a);
  w.party = *party;
  w.effective = *effective;
  w.reason = o.reason;
  auto signed_w = policy::SignWithdrawal(std::move(w), *key);
  if (!signed_w.ok()) {
    PrintError(signed_w.status().message());
    return kExitUsage;
  }
  if (auto s = policy::VerifyWithdrawal(a, *signed_w); !s.ok()) {
    PrintError(absl::StrCat("the withdrawal does not verify: ", s.message()));
    return kExitUnsigned;
  }
  const std::string yaml = policy::WithdrawalToYaml(*signed_w);
  if (o.output.empty()) {
    std::cout << yaml;
  } else {
    if (auto s = WriteFile(o.output, yaml); !s.ok()) {
      PrintError(s.message());
      return kExitUsage;
    }
    std::cout << "Withdrawal of " << *party << " from " << a.id << " v" << a.version
              << " written to " << o.output << "\n";
  }
  return kExitOk;
}

}  // namespace accord::ctl
