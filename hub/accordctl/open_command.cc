// accordctl open: decrypts SealedValues with the recipient's X25519 private key.
//
// Input (files, or stdin for `-` or none): JSON values one after another,
// each on one line (JSON Lines) or spread over several (a pretty-printed
// document), or a JSON array of them. Each value is, in the protobuf JSON
// mapping, one of:
//   accord.v1.SubscribeResponse   {"deliveries": [...]}
//   accord.v1.Delivery            {"position": ..., "record": {...}}
//   accord.v1.CleanedRecord       {"deliveryId": ..., "fields": [...]}
//   accord.v1.Field               {"name": ..., "value": {"sealed": {...}}}
//   accord.v1.SealedValue         {"scheme": ..., "ciphertext": ...}  (needs --field)
// Output: one line per record (or per value) with the sealed fields opened;
// --json writes the same message type back as one JSON line, opened.
// Errors go to stderr with the input's file:line and the field name, never a
// value. Exit codes: 0 everything opened; 1 usage or unreadable file; 2 input
// that is not one of the messages above; 5 a value failed authentication
// (altered); 6 a value not addressed to this key (another recipient or key).
#include "open_command.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "accord/policy/sealed_value.h"
#include "accord/v1/feed_service.pb.h"
#include "exit_codes.h"
#include "files.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

constexpr int kExitNotForThisKey = 6;
constexpr size_t kMaxDocumentBytes = 16 << 20;

struct OpenOptions {
  std::string decrypt_key;         // X25519 private key PEM path
  std::string recipient;           // optional: your agency id
  std::string field;               // the field name of a bare SealedValue
  std::vector<std::string> files;  // default: stdin
  bool json = false;
};

std::string ValueText(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kText: return v.text();
    case v1::Value::kInteger: return absl::StrCat(v.integer());
    case v1::Value::kDecimal: return v.decimal();
    case v1::Value::kBoolean: return v.boolean() ? "true" : "false";
    case v1::Value::kDate: return v.date();
    case v1::Value::kDatetime: return google::protobuf::util::TimeUtil::ToString(v.datetime());
    case v1::Value::kGeo: return absl::StrCat(v.geo().lat(), ",", v.geo().lon());
    case v1::Value::kSealed: return "<sealed, not opened>";
    case v1::Value::KIND_NOT_SET: return "";
  }
  return "";
}

template <typename M>
std::string JsonLine(const M& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) return "{}";
  return out;
}

class Opener {
 public:
  Opener(const OpenOptions& o, policy::RecipientOpener key) : o_(o), key_(std::move(key)) {}

  // Handles one complete JSON value that started at `where` (file:line).
  void Handle(const nlohmann::json& j, const std::string& where) {
    if (j.is_array()) {
      for (const auto& e : j) Handle(e, where);
      return;
    }
    if (!j.is_object()) return Invalid(where, "expected a JSON object");
    const std::string text = j.dump();
    if (j.contains("deliveries") || j.contains("headPosition") || j.contains("head_position")) {
      v1::SubscribeResponse r;
      if (!Parse(text, &r, where, "SubscribeResponse")) return;
      for (auto& d : *r.mutable_deliveries()) OpenDelivery(&d, where);
      if (o_.json) std::cout << JsonLine(r) << "\n";
    } else if (j.contains("record")) {
      v1::Delivery d;
      if (!Parse(text, &d, where, "Delivery")) return;
      OpenDelivery(&d, where);
      if (o_.json) std::cout << JsonLine(d) << "\n";
    } else if (j.contains("fields") || j.contains("deliveryId") || j.contains("delivery_id")) {
      v1::CleanedRecord r;
      if (!Parse(text, &r, where, "CleanedRecord")) return;
      OpenRecord(&r, 0, where);
      if (o_.json) std::cout << JsonLine(r) << "\n";
    } else if (j.contains("name") && j.contains("value")) {
      v1::Field f;
      if (!Parse(text, &f, where, "Field")) return;
      if (f.value().has_sealed()) {
        const std::string as = o_.recipient.empty() ? f.value().sealed().recipient() : o_.recipient;
        OpenValue(as, f.name(), f.mutable_value(), absl::StrCat(where, ": field '", f.name(), "'"));
      }
      std::cout << (o_.json ? JsonLine(f) : absl::StrCat(f.name(), "=", ValueText(f.value())))
                << "\n";
    } else if (j.contains("ciphertext") || j.contains("scheme")) {
      v1::Value v;
      if (!Parse(text, v.mutable_sealed(), where, "SealedValue")) return;
      if (o_.field.empty()) {
        return Invalid(where, "a bare SealedValue needs --field NAME: the field name is bound "
                              "into the seal (a CleanedRecord or Field carries it)");
      }
      const std::string as = o_.recipient.empty() ? v.sealed().recipient() : o_.recipient;
      if (OpenValue(as, o_.field, &v, absl::StrCat(where, ": field '", o_.field, "'"))) {
        std::cout << (o_.json ? JsonLine(v) : ValueText(v)) << "\n";
      }
    } else {
      Invalid(where, "not a Delivery, CleanedRecord, Field, SealedValue or SubscribeResponse "
                     "(protobuf JSON)");
    }
  }

  int exit_code() const {
    if (tampered_ > 0) return kExitTampered;
    if (not_for_key_ > 0) return kExitNotForThisKey;
    if (invalid_ > 0) return kExitInvalid;
    return kExitOk;
  }
  void Summary() const {
    std::cerr << "accordctl open: " << opened_ << " value(s) opened";
    if (tampered_ + not_for_key_ + invalid_ > 0) {
      std::cerr << "; " << tampered_ << " altered, " << not_for_key_ << " not addressed to this key, "
                << invalid_ << " unreadable input(s)";
    }
    std::cerr << "\n";
  }

 private:
  template <typename M>
  bool Parse(const std::string& text, M* m, const std::string& where, const char* what) {
    auto s = google::protobuf::util::JsonStringToMessage(text, m);
    if (s.ok()) return true;
    Invalid(where, absl::StrCat("not a valid accord.v1.", what, ": ", std::string(s.message())));
    return false;
  }

  void Invalid(const std::string& where, const std::string& why) {
    ++invalid_;
    std::cerr << where << ": " << why << "\n";
  }

  void OpenDelivery(v1::Delivery* d, const std::string& where) {
    OpenRecord(d->mutable_record(), d->position(), where);
  }

  void OpenRecord(v1::CleanedRecord* r, uint64_t position, const std::string& where) {
    const std::string at = absl::StrCat(where, ": ", position ? absl::StrCat("#", position, " ") : "",
                                        "record ", r->delivery_id());
    if (!o_.recipient.empty() && r->recipient() != o_.recipient) {
      bool sealed = false;
      for (const auto& f : r->fields()) sealed |= f.value().has_sealed();
      if (sealed) {
        ++not_for_key_;
        std::cerr << at << ": addressed to '" << r->recipient() << "', not to '" << o_.recipient
                  << "'; its sealed fields are left sealed\n";
        if (!o_.json) Print(*r, position);
        return;
      }
    }
    for (auto& f : *r->mutable_fields()) {
      if (f.value().has_sealed()) {
        OpenValue(r->recipient(), f.name(), f.mutable_value(), absl::StrCat(at, " field '", f.name(), "'"));
      }
    }
    if (!o_.json) Print(*r, position);
  }

  void Print(const v1::CleanedRecord& r, uint64_t position) {
    std::vector<std::string> parts;
    if (position) parts.push_back(absl::StrCat("#", position));
    parts.push_back(absl::StrCat(r.agreement_id(), "/", r.flow_id()));
    parts.push_back(r.dataset());
    parts.push_back(absl::StrCat("ref=", r.record_ref().substr(0, 16)));
    for (const auto& f : r.fields()) parts.push_back(absl::StrCat(f.name(), "=", ValueText(f.value())));
    std::cout << absl::StrJoin(parts, " ") << "\n";
  }

  // Replaces *value (sealed) with its clear value; false on an error.
  bool OpenValue(const std::string& recipient, const std::string& field, v1::Value* value,
                 const std::string& where) {
    const v1::SealedValue& sealed = value->sealed();
    auto opened = key_.Open(recipient, field, sealed);
    if (opened.ok()) {
      ++opened_;
      *value = std::move(*opened);
      return true;
    }
    switch (opened.status().code()) {
      case absl::StatusCode::kPermissionDenied:
        ++not_for_key_;
        if (sealed.recipient() != recipient) {
          std::cerr << where << ": sealed for '" << sealed.recipient() << "', not for '" << recipient
                    << "'; only that agency's key opens it\n";
        } else {
          std::cerr << where << ": not addressed to this key: sealed for the key with fingerprint "
                    << sealed.key_fingerprint().substr(0, 16) << "..., and yours is "
                    << key_.key_fingerprint().substr(0, 16)
                    << "...; use the private key whose public half is the encryption_key of '"
                    << recipient << "' in the agreement\n";
        }
        return false;
      case absl::StatusCode::kDataLoss:
        ++tampered_;
        std::cerr << where
                  << ": failed authentication: the value was altered after it was sealed, or "
                     "moved from another field or recipient; do not use it, and report it to the "
                     "hub operator\n";
        return false;
      default:
        ++invalid_;
        std::cerr << where << ": " << opened.status().message() << "\n";
        return false;
    }
  }

  const OpenOptions& o_;
  policy::RecipientOpener key_;
  int opened_ = 0, tampered_ = 0, not_for_key_ = 0, invalid_ = 0;
};

// Feeds every complete JSON value of `in` to `opener`: a value per line, or
// one spread over lines (a pretty-printed document: `{` or `[` in column 0,
// inner lines indented, and a last line that starts with `}` or `]`). A
// damaged value is reported with its first line and skipped; the next value
// starting in column 0 is read as usual. False if any was damaged.
bool ReadValues(std::istream& in, const std::string& name, Opener& opener) {
  std::string buffer, line;
  int line_no = 0, start = 0;
  bool ok = true;
  auto damaged = [&](const std::string& why) {
    std::cerr << name << ":" << start << ": " << why << "\n";
    buffer.clear();
    ok = false;
  };
  while (std::getline(in, line)) {
    ++line_no;
    const size_t first = line.find_first_not_of(" \t\r");
    if (!buffer.empty() && first == 0 && (line[0] == '{' || line[0] == '[')) {
      damaged("not valid JSON (a damaged line or document)");  // a new value starts here
    }
    if (buffer.empty()) {
      if (first == std::string::npos) continue;
      start = line_no;
      if (line[first] != '{' && line[first] != '[') {
        buffer = line;
        damaged("not JSON: expected an object `{...}` or an array `[...]`");
        continue;
      }
    }
    buffer.append(line).push_back('\n');
    if (buffer.size() > kMaxDocumentBytes) {
      damaged(absl::StrCat("a JSON value larger than ", kMaxDocumentBytes,
                           " bytes; write one record per line (JSON Lines)"));
      continue;
    }
    if (nlohmann::json::accept(buffer)) {
      opener.Handle(nlohmann::json::parse(buffer, nullptr, /*allow_exceptions=*/false),
                    absl::StrCat(name, ":", start));
      buffer.clear();
    } else if (start == line_no ? (line[first] == '{' && line.back() == '}')
                                : (first == 0 && (line[0] == '}' || line[0] == ']'))) {
      damaged("not valid JSON (a damaged line or document)");
    }
  }
  if (!buffer.empty()) damaged("not valid JSON (the input ends inside a value)");
  return ok;
}

int RunOpen(const OpenOptions& o) {
  auto pem = ReadFile(o.decrypt_key, 1 << 20);
  if (!pem.ok()) {
    std::cerr << "accordctl: " << pem.status().message() << "\n";
    return kExitUsage;
  }
  auto key = policy::RecipientOpener::Create(*pem);
  if (!key.ok()) {
    std::cerr << "accordctl: " << o.decrypt_key << ": " << key.status().message()
              << " (use the .key file `accordctl keygen --type x25519` wrote)\n";
    return kExitUsage;
  }
  Opener opener(o, std::move(*key));
  bool ok = true;
  std::vector<std::string> files = o.files.empty() ? std::vector<std::string>{"-"} : o.files;
  for (const std::string& f : files) {
    if (f == "-") {
      ok &= ReadValues(std::cin, "<stdin>", opener);
      continue;
    }
    std::ifstream in(f);
    if (!in) {
      std::cerr << "accordctl: cannot read " << f << "\n";
      return kExitUsage;
    }
    ok &= ReadValues(in, f, opener);
  }
  opener.Summary();
  int rc = opener.exit_code();
  if (!ok && rc == kExitOk) rc = kExitInvalid;
  return rc;
}

}  // namespace

void AddOpenCommand(CLI::App& app, int* rc) {
  auto options = std::make_shared<OpenOptions>();
  auto* cmd = app.add_subcommand(
      "open",
      "Decrypt the fields a personal flow encrypted to you (SealedValues) with your X25519 "
      "private key: reads deliveries, cleaned records, fields or single sealed values as JSON "
      "(protobuf JSON mapping; JSON Lines or one document) and prints them opened");
  cmd->add_option("files", options->files, "Input files (default, or -: stdin)");
  cmd->add_option("--decrypt-key,-d", options->decrypt_key,
                  "Your X25519 private key (the .key file of `accordctl keygen --type x25519`)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--recipient,-r", options->recipient,
                  "Your agency id: records and values addressed to anyone else are reported, not "
                  "opened (default: the recipient each record names)");
  cmd->add_option("--field,-f", options->field,
                  "The field name of a bare SealedValue (bound into the seal)");
  cmd->add_flag("--json", options->json, "Write each input message back as one JSON line, opened");
  cmd->footer(
      "Exit codes: 0 everything opened; 1 usage or unreadable file; 2 input that is not a "
      "Delivery, CleanedRecord, Field, SealedValue or SubscribeResponse; 5 a value failed "
      "authentication (altered); 6 a value not addressed to this key.");
  cmd->callback([options, rc] { *rc = RunOpen(*options); });
}

}  // namespace accord::ctl
