// Shared test vectors for opening SealedValues, C++ <-> Python.
//
//   sealed_vectors generate FILE   seal values with the policy library's
//                                  RecipientSealer for two fresh throwaway
//                                  X25519 keys (made here, written only to
//                                  FILE in the build dir) and write the
//                                  vectors as JSON;
//   sealed_vectors check FILE      open every vector with the C++ client
//                                  library (client::RecipientKey) and check
//                                  the value or the error class.
//
// connectors/python/tests/test_sealed.py checks the same FILE with the
// Python client, so both sides agree byte for byte. File format:
//   {"scheme": ..., "keys": {NAME: {"private_pem", "public_pem", "fingerprint"}},
//    "vectors": [{"name", "key": NAME, "recipient", "field",
//                 "sealed": SealedValue (protobuf JSON),
//                 "value": Value (protobuf JSON) | "error": "malformed" |
//                          "not_for_this_key" | "tampered"}]}
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "accord/client/sealed.h"
#include "accord/policy/sealed_value.h"
#include "accord/policy/signing.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"

namespace {

using accord::v1::SealedValue;
using accord::v1::Value;
using nlohmann::ordered_json;

int Fail(const std::string& what) {
  std::cerr << "sealed_vectors: " << what << "\n";
  return 1;
}

template <typename M>
ordered_json ToJson(const M& m) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out).ok()) std::abort();
  return ordered_json::parse(out);
}

template <typename M>
bool FromJson(const ordered_json& j, M* m) {
  return google::protobuf::util::JsonStringToMessage(j.dump(), m).ok();
}

std::map<std::string, Value> Values() {
  std::map<std::string, Value> v;
  v["text-nhs-number"].set_text("943 476 5919");
  v["text-unicode-name"].set_text("Zo\u00eb O'Brien-\u0141ukasz");
  v["text-empty"].set_text("");
  v["integer"].set_integer(-42);
  v["decimal"].set_decimal("-12.50");
  v["boolean"].set_boolean(true);
  v["date"].set_date("1990-03-14");
  v["datetime"].mutable_datetime()->set_seconds(1795000000);
  v["datetime"].mutable_datetime()->set_nanos(500000000);
  v["geo"].mutable_geo()->set_lat(51.7505);
  v["geo"].mutable_geo()->set_lon(-0.342);
  return v;
}

int Generate(const std::string& path) {
  auto mine = accord::policy::GenerateX25519KeyPair();
  auto other = accord::policy::GenerateX25519KeyPair();
  if (!mine.ok() || !other.ok()) return Fail("cannot generate X25519 keys");
  const std::string recipient = "csp-herts-analyst";
  auto sealer = accord::policy::RecipientSealer::Create(recipient, mine->public_pem);
  auto other_sealer = accord::policy::RecipientSealer::Create(recipient, other->public_pem);
  if (!sealer.ok() || !other_sealer.ok()) return Fail("cannot create sealers");
  ordered_json doc;
  doc["scheme"] = std::string(accord::policy::kSealedScheme);
  doc["keys"]["recipient"] = {{"private_pem", mine->private_pem},
                              {"public_pem", mine->public_pem},
                              {"fingerprint", sealer->key_fingerprint()}};
  doc["keys"]["other"] = {{"private_pem", other->private_pem},
                          {"public_pem", other->public_pem},
                          {"fingerprint", other_sealer->key_fingerprint()}};
  ordered_json vectors = ordered_json::array();
  auto add = [&](const std::string& name, const std::string& key, const std::string& as,
                 const std::string& field, const SealedValue& sealed, const ordered_json& expect) {
    ordered_json v{{"name", name}, {"key", key}, {"recipient", as}, {"field", field},
                   {"sealed", ToJson(sealed)}};
    for (auto& [k, e] : expect.items()) v[k] = e;
    vectors.push_back(std::move(v));
  };
  SealedValue base;
  for (const auto& [name, value] : Values()) {
    SealedValue sealed;
    if (!sealer->Seal(name, value, &sealed).ok()) return Fail("seal failed");
    add(name, "recipient", recipient, name, sealed, {{"value", ToJson(value)}});
    if (name == "text-nhs-number") base = sealed;
  }
  const std::string field = "text-nhs-number";
  SealedValue t = base;
  (*t.mutable_ciphertext())[0] ^= 0x01;
  add("tampered-ciphertext", "recipient", recipient, field, t, {{"error", "tampered"}});
  t = base;
  t.mutable_ciphertext()->back() ^= 0x80;
  add("tampered-tag", "recipient", recipient, field, t, {{"error", "tampered"}});
  t = base;
  (*t.mutable_nonce())[3] ^= 0x01;
  add("tampered-nonce", "recipient", recipient, field, t, {{"error", "tampered"}});
  t = base;
  (*t.mutable_ephemeral_public_key())[7] ^= 0x01;
  add("tampered-ephemeral-key", "recipient", recipient, field, t, {{"error", "tampered"}});
  add("moved-to-another-field", "recipient", recipient, "date", base, {{"error", "tampered"}});
  t = base;
  t.set_recipient("herts-police");
  add("recipient-rewritten", "recipient", "herts-police", field, t, {{"error", "tampered"}});
  add("other-recipient", "recipient", "herts-police", field, base, {{"error", "not_for_this_key"}});
  add("other-key", "other", recipient, field, base, {{"error", "not_for_this_key"}});
  t = base;
  t.set_key_fingerprint(other_sealer->key_fingerprint());
  add("other-key-fingerprint-forged", "other", recipient, field, t, {{"error", "tampered"}});
  t = base;
  t.set_scheme("rsa-oaep");
  add("unknown-scheme", "recipient", recipient, field, t, {{"error", "malformed"}});
  t = base;
  t.set_nonce("short");
  add("short-nonce", "recipient", recipient, field, t, {{"error", "malformed"}});
  doc["vectors"] = std::move(vectors);
  std::ofstream out(path, std::ios::trunc);
  out << doc.dump(2) << "\n";
  if (!out.flush()) return Fail("cannot write " + path);
  std::cout << "wrote " << doc["vectors"].size() << " vectors to " << path << "\n";
  return 0;
}

std::string ErrorClass(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return "malformed";
    case absl::StatusCode::kPermissionDenied: return "not_for_this_key";
    case absl::StatusCode::kDataLoss: return "tampered";
    default: return "other: " + s.ToString();
  }
}

int Check(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ordered_json doc = ordered_json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.contains("vectors")) return Fail(path + " is not a vectors file");
  std::map<std::string, accord::client::RecipientKey> keys;
  for (auto& [name, k] : doc["keys"].items()) {
    auto key = accord::client::RecipientKey::FromPem(k["private_pem"].get<std::string>());
    if (!key.ok()) return Fail("key " + name + ": " + key.status().ToString());
    if (key->fingerprint() != k["fingerprint"].get<std::string>()) return Fail("fingerprint of " + name);
    keys.emplace(name, std::move(*key));
  }
  int failures = 0, passed = 0;
  for (const auto& v : doc["vectors"]) {
    const std::string name = v["name"];
    SealedValue sealed;
    if (!FromJson(v["sealed"], &sealed)) return Fail(name + ": sealed is not a SealedValue");
    auto opened = keys.at(v["key"]).Open(v["recipient"].get<std::string>(),
                                         v["field"].get<std::string>(), sealed);
    if (v.contains("value")) {
      Value want;
      if (!FromJson(v["value"], &want)) return Fail(name + ": value is not a Value");
      if (!opened.ok()) {
        std::cerr << "FAIL " << name << ": " << opened.status() << "\n";
        ++failures;
      } else if (!google::protobuf::util::MessageDifferencer::Equals(*opened, want)) {
        std::cerr << "FAIL " << name << ": opened a different value\n";
        ++failures;
      } else {
        ++passed;
      }
    } else {
      const std::string want = v["error"];
      const std::string got = opened.ok() ? "ok" : ErrorClass(opened.status());
      if (got != want) {
        std::cerr << "FAIL " << name << ": want " << want << ", got " << got << "\n";
        ++failures;
      } else {
        ++passed;
      }
    }
  }
  std::cout << "sealed vectors (C++ client): " << passed << " passed, " << failures << " failed\n";
  return failures == 0 && passed > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage: sealed_vectors generate|check FILE");
  const std::string mode = argv[1];
  if (mode == "generate") return Generate(argv[2]);
  if (mode == "check") return Check(argv[2]);
  return Fail("usage: sealed_vectors generate|check FILE");
}
