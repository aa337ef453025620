// privacy_eval: runs the real redactor and pseudonymiser over a synthetic
// corpus (tests/privacy/generate.py) for the scorer (score.py).
//
//   privacy_eval redact IN.jsonl OUT.jsonl
//     IN lines  {"id": "...", "text": "...", "known": [{"kind": "name", "value": "..."}]}
//     OUT lines {"id": "...", "clean": "..."}
//   privacy_eval link IN.jsonl OUT.jsonl
//     IN lines  {"id": "...", "name": "...", "dob": "YYYY-MM-DD or DD/MM/YYYY"}
//     OUT lines {"id": "...", "key": "<name pseudonym>|<dob pseudonym>"} ("" if invalid)
//
// Synthetic data only; the linkage key is a fixed test key.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "accord/policy/pseudonymiser.h"
#include "accord/policy/redactor.h"
#include "nlohmann/json.hpp"

namespace {

using accord::policy::IdentifierKind;

IdentifierKind KindOf(const std::string& k) {
  if (k == "name") return IdentifierKind::kName;
  if (k == "phone") return IdentifierKind::kPhone;
  if (k == "email") return IdentifierKind::kEmail;
  if (k == "postcode") return IdentifierKind::kPostcode;
  if (k == "nhs") return IdentifierKind::kNhsNumber;
  if (k == "ni") return IdentifierKind::kNiNumber;
  if (k == "plate") return IdentifierKind::kVehicleReg;
  if (k == "dob") return IdentifierKind::kDateOfBirth;
  if (k == "address") return IdentifierKind::kAddress;
  return IdentifierKind::kOther;
}

int Redact(std::istream& in, std::ostream& out) {
  auto redactor = accord::policy::Redactor::Create();
  if (!redactor.ok()) {
    std::cerr << redactor.status() << "\n";
    return 1;
  }
  std::string line;
  std::string clean;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      std::cerr << "bad input line\n";
      return 1;
    }
    std::vector<std::string> values;
    std::vector<accord::policy::KnownIdentifier> known;
    if (j.contains("known")) {
      for (const auto& k : j["known"]) values.push_back(k.value("value", ""));
      size_t i = 0;
      for (const auto& k : j["known"]) known.push_back({KindOf(k.value("kind", "")), values[i++]});
    }
    absl::Status s = (*redactor)->Redact(j.value("text", ""), known, &clean);
    nlohmann::json o;
    o["id"] = j.value("id", "");
    o["clean"] = s.ok() ? clean : std::string("<error>");
    out << o.dump() << "\n";
  }
  return 0;
}

int Link(std::istream& in, std::ostream& out) {
  auto p = accord::policy::Pseudonymiser::Create("privacy-eval-test-key-0123456789abcdef");
  if (!p.ok()) return 1;
  std::string line;
  std::string name_token;
  std::string dob_token;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return 1;
    accord::v1::Value name;
    name.set_text(j.value("name", ""));
    accord::v1::Value dob;
    dob.set_text(j.value("dob", ""));
    const bool ok = p->Pseudonymise(accord::policy::FieldType::kName, name, &name_token).ok() &&
                    p->Pseudonymise(accord::policy::FieldType::kDate, dob, &dob_token).ok();
    nlohmann::json o;
    o["id"] = j.value("id", "");
    o["key"] = ok ? name_token + "|" + dob_token : "";
    out << o.dump() << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: privacy_eval redact|link IN.jsonl OUT.jsonl\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  std::ofstream out(argv[3]);
  if (!in || !out) {
    std::cerr << "cannot open input or output\n";
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "redact") return Redact(in, out);
  if (mode == "link") return Link(in, out);
  std::cerr << "unknown mode\n";
  return 2;
}
