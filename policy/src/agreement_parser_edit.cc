// Text-level edits of agreement documents that keep comments and layout:
// appending a signature, swapping a party's keys. Locations come from
// yaml-cpp marks; edits work on whole lines.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "accord/policy/signing.h"
#include "accord/base/status_macros.h"

namespace accord::policy {
namespace {

// Debian's Abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

using Lines = std::vector<std::string>;

Lines SplitLines(std::string_view text) {
  Lines lines = absl::StrSplit(Sv(text), '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // text ended with '\n'
  return lines;
}

std::string JoinLines(const Lines& lines) {
  if (lines.empty()) return "";
  return absl::StrCat(absl::StrJoin(lines, "\n"), "\n");
}

size_t Indent(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

bool IsComment(std::string_view line) {
  size_t i = Indent(line);
  return i < line.size() && line[i] == '#';
}

// End (exclusive) of the block that starts with a key at (line, column):
// following lines that are blank or indented deeper than the key. When
// `dash_continues`, lines at the key's column that start a sequence entry
// belong to it too (a list written without indentation). Trailing blank and
// comment lines are left out.
size_t BlockEnd(const Lines& lines, size_t line, size_t column, bool dash_continues) {
  size_t last = line;
  for (size_t i = line + 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (IsBlank(l)) continue;
    size_t ind = Indent(l);
    bool inside = ind > column ||
                  (dash_continues && ind == column && l.compare(ind, 1, "-") == 0);
    if (!inside) break;
    if (!IsComment(l)) last = i;
  }
  return last + 1;
}

std::string JsonQuoted(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void AppendPemLines(Lines& out, std::string_view pem, size_t indent) {
  for (absl::string_view l : absl::StrSplit(Sv(pem), '\n', absl::SkipWhitespace())) {
    out.push_back(absl::StrCat(std::string(indent, ' '), absl::StripTrailingAsciiWhitespace(l)));
  }
}

struct KeySpot {
  bool found = false;
  size_t line = 0;    // 0-based
  size_t column = 0;  // 0-based
};

struct PartySpot {
  KeySpot id;      // the party's `id:` key
  KeySpot target;  // the key looked for
};

absl::StatusOr<YAML::Node> LoadYaml(std::string_view document) {
  try {
    return YAML::Load(std::string(document));
  } catch (const YAML::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("the document is not valid YAML (line ", e.mark.line + 1, "): ", e.msg));
  } catch (const std::exception&) {
    return absl::FailedPreconditionError("the document is not valid YAML");
  }
}

KeySpot SpotOf(const YAML::Node& key) {
  YAML::Mark m = key.Mark();
  if (m.is_null() || m.line < 0) return {};
  return {true, static_cast<size_t>(m.line), static_cast<size_t>(m.column)};
}

KeySpot FindTopKey(const YAML::Node& root, std::string_view key) {
  if (!root.IsMap()) return {};
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return SpotOf(it->first);
  }
  return {};
}

absl::StatusOr<PartySpot> FindPartyKey(std::string_view document, std::string_view party,
                                       std::string_view key) {
  ACCORD_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(document));
  try {
    if (!root.IsMap()) return absl::FailedPreconditionError("the document is not an agreement");
    for (auto top = root.begin(); top != root.end(); ++top) {
      if (!top->first.IsScalar() || top->first.Scalar() != "parties" || !top->second.IsSequence()) {
        continue;
      }
      for (auto p = top->second.begin(); p != top->second.end(); ++p) {
        const YAML::Node node = *p;
        if (!node.IsMap()) continue;
        PartySpot spot;
        bool match = false;
        for (auto kv = node.begin(); kv != node.end(); ++kv) {
          if (!kv->first.IsScalar()) continue;
          if (kv->first.Scalar() == "id") {
            spot.id = SpotOf(kv->first);
            match = kv->second.IsScalar() && kv->second.Scalar() == party;
          }
          if (kv->first.Scalar() == key) spot.target = SpotOf(kv->first);
        }
        if (!match) continue;
        if (node.Style() == YAML::EmitterStyle::Flow) {
          return absl::FailedPreconditionError(absl::StrCat(
              "party '", Sv(party), "' is written in flow style ({...}); write it as indented "
                                "'key: value' lines so it can be edited"));
        }
        return spot;
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::FailedPreconditionError(absl::StrCat("the document is not valid YAML: ", e.msg));
  }
  return absl::NotFoundError(absl::StrCat("the document has no party '", Sv(party), "'"));
}

bool KeyStartsLine(const Lines& lines, const KeySpot& spot) {
  return spot.line < lines.size() && Indent(lines[spot.line]) >= spot.column;
}

absl::StatusOr<std::string> RemovePartyKey(std::string document, std::string_view party,
                                           std::string_view key) {
  ACCORD_ASSIGN_OR_RETURN(PartySpot spot, FindPartyKey(document, party, key));
  if (!spot.target.found) return document;
  Lines lines = SplitLines(document);
  if (!KeyStartsLine(lines, spot.target)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "party '", Sv(party), "': move '", Sv(key), "' below 'id' so it can be removed"));
  }
  size_t end = BlockEnd(lines, spot.target.line, spot.target.column, false);
  lines.erase(lines.begin() + spot.target.line, lines.begin() + end);
  return JoinLines(lines);
}

absl::StatusOr<std::string> RemoveSignatures(std::string document) {
  ACCORD_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(document));
  KeySpot spot = FindTopKey(root, "signatures");
  if (!spot.found) return document;
  Lines lines = SplitLines(document);
  size_t end = BlockEnd(lines, spot.line, spot.column, true);
  lines.erase(lines.begin() + spot.line, lines.begin() + end);
  return JoinLines(lines);
}

absl::StatusOr<std::string> SetPartyKey(std::string document, std::string_view party,
                                        std::string_view key, std::string_view pem) {
  ACCORD_ASSIGN_OR_RETURN(PartySpot spot, FindPartyKey(document, party, key));
  Lines lines = SplitLines(document);
  if (!spot.id.found || spot.id.line >= lines.size()) {
    return absl::FailedPreconditionError(absl::StrCat("party '", Sv(party), "' has no id line"));
  }
  size_t column = spot.id.column;
  Lines block;
  block.push_back(absl::StrCat(std::string(column, ' '), Sv(key), ": |"));
  AppendPemLines(block, pem, column + 2);
  size_t at = 0;
  if (spot.target.found) {
    if (!KeyStartsLine(lines, spot.target)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "party '", Sv(party), "': move '", Sv(key), "' below 'id' so it can be replaced"));
    }
    size_t end = BlockEnd(lines, spot.target.line, spot.target.column, false);
    lines.erase(lines.begin() + spot.target.line, lines.begin() + end);
    at = spot.target.line;
  } else {
    at = BlockEnd(lines, spot.id.line, spot.id.column, false);
  }
  lines.insert(lines.begin() + at, block.begin(), block.end());
  std::string out = JoinLines(lines);
  ACCORD_ASSIGN_OR_RETURN(YAML::Node check, LoadYaml(out));
  (void)check;
  return out;
}

}  // namespace

std::string AppendSignatureYaml(std::string_view document_text, const Signature& signature) {
  Lines lines = SplitLines(document_text);
  size_t sig_line = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("signatures:", 0) == 0) {
      sig_line = i;
      break;
    }
  }
  size_t indent = 2;
  size_t insert_at = lines.size();
  if (sig_line == lines.size()) {
    lines.push_back("signatures:");
    insert_at = lines.size();
  } else {
    std::string_view rest = std::string_view(lines[sig_line]).substr(11);
    if (rest.find("[]") != std::string_view::npos) lines[sig_line] = "signatures:";
    for (size_t i = sig_line + 1; i < lines.size(); ++i) {
      if (IsBlank(lines[i]) || IsComment(lines[i])) continue;
      size_t ind = Indent(lines[i]);
      if (lines[i].compare(ind, 1, "-") == 0) indent = ind;
      break;
    }
    insert_at = BlockEnd(lines, sig_line, 0, true);
  }
  std::string pad(indent, ' ');
  Lines entry = {
      absl::StrCat(pad, "- party: ", JsonQuoted(signature.party)),
      absl::StrCat(pad, "  fingerprint: ", JsonQuoted(signature.fingerprint)),
      absl::StrCat(pad, "  signed_at: ", JsonQuoted(signature.signed_at)),
      absl::StrCat(pad, "  signature: ", JsonQuoted(signature.signature_b64)),
  };
  if (!signature.public_key_pem.empty()) {
    entry.push_back(absl::StrCat(pad, "  public_key: |"));
    AppendPemLines(entry, signature.public_key_pem, indent + 4);
  }
  lines.insert(lines.begin() + insert_at, entry.begin(), entry.end());
  return JoinLines(lines);
}

absl::StatusOr<std::string> SetPartySigningKey(std::string_view document, std::string_view party,
                                               std::string_view public_pem) {
  ACCORD_RETURN_IF_ERROR(PublicKeyFingerprint(public_pem, KeyType::kEd25519).status());
  ACCORD_ASSIGN_OR_RETURN(std::string text, RemoveSignatures(std::string(document)));
  ACCORD_ASSIGN_OR_RETURN(text, RemovePartyKey(std::move(text), party, "signing_key_fingerprint"));
  return SetPartyKey(std::move(text), party, "signing_key", public_pem);
}

absl::StatusOr<std::string> SetPartyEncryptionKey(std::string_view document,
                                                  std::string_view party,
                                                  std::string_view public_pem) {
  ACCORD_RETURN_IF_ERROR(PublicKeyFingerprint(public_pem, KeyType::kX25519).status());
  return SetPartyKey(std::string(document), party, "encryption_key", public_pem);
}

}  // namespace accord::policy
