// FieldCrypto: encryption at rest of personal fields in raw ingest records
// while they sit in Kafka, so a broker administrator reading the ingest topic
// sees no personal value in plaintext.
//
// A protected field's Value is replaced by Value{sealed: SealedValue{
//   scheme: "accord.kafka.aes256gcm.v1", key_fingerprint: <data key id>,
//   nonce: 12 random bytes, ciphertext: AES-256-GCM(serialized Value) || tag}}
// with additional data provider 0x00 dataset 0x00 record_id 0x00 field name,
// so a ciphertext cannot be moved to another record or field.
//
// Data keys: key(id) = HKDF-SHA256(master, info = "accord.kafka.data.v1" 0x00 id).
// Rotation is changing the current id; every earlier id stays derivable, so
// records written under old keys stay readable until the topic's retention
// removes them. The master key never leaves the hub's data dir.
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

class FieldCrypto {
 public:
  static constexpr char kScheme[] = "accord.kafka.aes256gcm.v1";

  // `master_key` >= 32 bytes; `key_id` names the current data key.
  static absl::StatusOr<std::unique_ptr<FieldCrypto>> Create(std::string master_key,
                                                             std::string key_id);

  const std::string& key_id() const { return key_id_; }

  // Encrypts, in place and under the current key, every field for which
  // `protect` is true. Returns how many fields were sealed.
  absl::StatusOr<int> Seal(v1::Record* record,
                           const std::function<bool(const v1::Field&)>& protect) const;

  // Decrypts every field sealed with kScheme. DataLoss when a ciphertext does
  // not authenticate; NotFound never (every id is derivable).
  absl::Status Open(v1::Record* record) const;

 private:
  FieldCrypto(std::string master_key, std::string key_id);
  absl::StatusOr<std::string> Key(const std::string& id) const;

  const uint64_t instance_;  // names this object's keys in per-thread cipher contexts
  const std::string master_key_;
  const std::string key_id_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::string> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::hub
