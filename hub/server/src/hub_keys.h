// The hub's own keys, loaded in ONE place: the ledger's tree-head signing key
// and the 64-byte hub secret, each created on first start (mode 0600,
// written atomically and fsync'd: accord/base/atomic_file.h), and every key
// the hub derives from the secret. Nothing else reads the key files or slices
// the secret.
//
// The derivations are stored-data formats: changing one makes existing
// data unreadable (sealed ingest records, kept quarantined records, the key
// log's signatures, linkage pseudonyms, dedupe references).
//
// Thread safety: HubKeys is immutable after LoadHubKeys.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/server/config.h"

namespace accord::hub {

struct HubKeys {
  static constexpr size_t kSecretBytes = 64;

  // Signs the disclosure ledger's tree heads.
  std::unique_ptr<ledger::TreeHeadSigner> ledger_signer;
  // The hub secret (64 bytes): the period keyring's key-encryption key is
  // derived from the whole of it (period_keyring.h).
  std::string secret;
  // secret[0, 32): the master of each agreement's linkage key; also the
  // Kafka backend's field-protection and quarantine key.
  std::string linkage_master_key;
  // secret[32, 64): the key of dedupe references (record ids never stored in clear).
  std::string dedupe_key;
  // HKDF-SHA256 of the secret: the key log's Ed25519 seed, the embedded
  // log's quarantine key and its sealing key.
  std::string key_log_signing_seed;
  std::string quarantine_key;
  std::string ingest_record_key;
};

// Loads the keys named by `paths`, creating each file that is absent.
// DataLoss if the secret file does not hold exactly 64 bytes; the signer's
// own error if the ledger key does not parse; NotFound/PermissionDenied-like
// errors name the file, never its content.
absl::StatusOr<HubKeys> LoadHubKeys(const KeysConfig& paths);

}  // namespace accord::hub
