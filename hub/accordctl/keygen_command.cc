// accordctl keygen: a party's Ed25519 signing key or X25519 encryption key.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "accord/policy/signing.h"
#include "commands.h"
#include "exit_codes.h"
#include "files.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {

int RunKeygen(const KeygenOptions& o) {
  absl::StatusOr<policy::KeyPair> pair;
  if (o.type == "ed25519") {
    pair = policy::GenerateEd25519KeyPair();
  } else if (o.type == "x25519") {
    pair = policy::GenerateX25519KeyPair();
  } else {
    std::cerr << "accordctl: --type must be ed25519 (signing) or x25519 (encryption)\n";
    return kExitUsage;
  }
  if (!pair.ok()) {
    std::cerr << "accordctl: " << pair.status().message() << "\n";
    return kExitUsage;
  }
  const std::string priv = absl::StrCat(o.out_prefix, ".key");
  const std::string pub = absl::StrCat(o.out_prefix, ".pub");
  if (auto s = WriteFile(priv, pair->private_pem, 0600, o.force); !s.ok()) {
    std::cerr << "accordctl: " << s.message() << "\n";
    return kExitUsage;
  }
  if (auto s = WriteFile(pub, pair->public_pem, 0644, o.force); !s.ok()) {
    std::cerr << "accordctl: " << s.message() << "\n";
    return kExitUsage;
  }
  auto fp = policy::PublicKeyFingerprint(pair->public_pem);
  const std::string fingerprint = fp.ok() ? *fp : "";
  if (o.json) {
    std::cout << nlohmann::ordered_json{{"type", o.type}, {"private_key", priv}, {"public_key", pub},
                                        {"fingerprint", fingerprint}}.dump(2) << "\n";
  } else {
    std::cout << "Wrote " << o.type << " private key " << priv << " (keep it secret; mode 0600)\n"
              << "  and public key " << pub << "\n  fingerprint " << fingerprint << "\n";
  }
  return kExitOk;
}

}  // namespace accord::ctl
