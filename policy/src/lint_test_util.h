// Shared helpers for the agreement parser / lint / signing tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_join.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/diagnostics.h"

namespace accord::policy::testing {

inline std::string ReadSourceFile(std::string_view relative) {
  std::ifstream in(std::string(ACCORD_SOURCE_DIR) + "/" + std::string(relative), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1-based line of the first line containing `needle`, or 0.
inline int LineOf(std::string_view text, std::string_view needle) {
  size_t pos = text.find(needle);
  if (pos == std::string_view::npos) return 0;
  int line = 1;
  for (size_t i = 0; i < pos; ++i) line += text[i] == '\n';
  return line;
}

inline std::string Dump(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> lines;
  for (const Diagnostic& d : diagnostics) lines.push_back(FormatDiagnostic(d));
  return absl::StrJoin(lines, "\n");
}

inline const Diagnostic* FindDiagnostic(const std::vector<Diagnostic>& diagnostics,
                                        std::string_view code, int line) {
  for (const Diagnostic& d : diagnostics) {
    if (d.code == code && (line == 0 || d.line == line)) return &d;
  }
  return nullptr;
}

}  // namespace accord::policy::testing

#include "accord/policy/signing.h"

namespace accord::policy::testing {

// The Cardiff example with fresh keys for both parties, and their private halves.
struct KeyedExample {
  std::string text;
  KeyPair provider;   // nhs-lister-ae
  KeyPair recipient;  // csp-herts-analyst
};

inline KeyedExample MakeKeyedExample() {
  KeyedExample k;
  k.provider = GenerateEd25519KeyPair().value();
  k.recipient = GenerateEd25519KeyPair().value();
  std::string text = ReadSourceFile("deploy/agreements/ae-violence-cardiff.yaml");
  text = SetPartySigningKey(text, "nhs-lister-ae", k.provider.public_pem).value();
  k.text = SetPartySigningKey(text, "csp-herts-analyst", k.recipient.public_pem).value();
  return k;
}

}  // namespace accord::policy::testing
