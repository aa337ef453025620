#include "hub_keys.h"

#include <openssl/rand.h>

#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "accord/base/read_file.h"
#include "accord/policy/openssl.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

// Loads the file at `path`, or creates it with `make()` (mode 0600).
absl::StatusOr<std::string> LoadOrCreate(const std::string& path,
                                         const std::function<absl::StatusOr<std::string>()>& make) {
  if (std::filesystem::exists(path)) return base::ReadFile(path);
  auto made = make();
  if (!made.ok()) return made.status();
  if (auto s = base::WriteFileAtomically(path, *made, {.mode = 0600, .create_parents = true}); !s.ok()) {
    return s;
  }
  spdlog::info("created {}", path);
  return made;
}

}  // namespace

absl::StatusOr<HubKeys> LoadHubKeys(const KeysConfig& paths) {
  HubKeys keys;
  auto signing_pem = LoadOrCreate(paths.ledger_signing_key, [] { return ledger::GenerateSigningKeyPem(); });
  if (!signing_pem.ok()) return signing_pem.status();
  auto signer = ledger::TreeHeadSigner::FromPrivatePem(*signing_pem);
  if (!signer.ok()) return signer.status();
  keys.ledger_signer = std::move(signer).value();

  auto secret = LoadOrCreate(paths.secrets, []() -> absl::StatusOr<std::string> {
    std::string bytes(HubKeys::kSecretBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1) {
      return absl::InternalError("no randomness for the hub secrets");
    }
    return bytes;
  });
  if (!secret.ok()) return secret.status();
  if (secret->size() != HubKeys::kSecretBytes) {
    return absl::DataLossError(absl::StrCat(paths.secrets, " must hold exactly 64 bytes"));
  }
  keys.secret = std::move(secret).value();
  keys.linkage_master_key = keys.secret.substr(0, 32);
  keys.dedupe_key = keys.secret.substr(32, 32);

  struct Derivation {
    const char* info;
    const char* what;
    std::string* out;
  };
  for (const Derivation& d : {
           Derivation{"accord.key-log-signing.v1", "deriving the key log key", &keys.key_log_signing_seed},
           Derivation{"accord.quarantine.v1", "deriving the quarantine key", &keys.quarantine_key},
           Derivation{"accord.ingest.v1", "deriving the ingest log key", &keys.ingest_record_key},
       }) {
    auto derived = policy::HkdfSha256(keys.secret, d.info, d.what);
    if (!derived.ok()) return derived.status();
    *d.out = std::move(derived).value();
  }
  return keys;
}

}  // namespace accord::hub
