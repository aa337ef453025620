#include "accord/client/sealed.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/base/read_file.h"
#include "accord/policy/sealed_value.h"

namespace accord::client {

absl::StatusOr<RecipientKey> RecipientKey::FromPem(std::string_view private_pem) {
  auto opener = policy::RecipientOpener::Create(private_pem);
  if (!opener.ok()) return opener.status();
  return RecipientKey(std::make_shared<const policy::RecipientOpener>(std::move(*opener)));
}

absl::StatusOr<RecipientKey> RecipientKey::FromFile(const std::string& path) {
  auto pem = base::ReadFile(path, 1 << 20);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(), absl::StrCat("the key file: ", pem.status().message()));
  }
  auto key = FromPem(*pem);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat(path, ": ", key.status().message(),
                                     " (use the .key file `accordctl keygen --type x25519` wrote)"));
  }
  return key;
}

const std::string& RecipientKey::fingerprint() const { return opener_->key_fingerprint(); }

absl::StatusOr<v1::Value> RecipientKey::Open(std::string_view recipient_id,
                                             std::string_view field_name,
                                             const v1::SealedValue& sealed) const {
  return opener_->Open(recipient_id, field_name, sealed);
}

absl::StatusOr<int> RecipientKey::OpenRecord(v1::CleanedRecord* record) const {
  std::vector<std::pair<int, v1::Value>> opened;
  for (int i = 0; i < record->fields_size(); ++i) {
    const v1::Field& f = record->fields(i);
    if (!f.value().has_sealed()) continue;
    auto value = opener_->Open(record->recipient(), f.name(), f.value().sealed());
    if (!value.ok()) {
      return absl::Status(value.status().code(), absl::StrCat("field '", f.name(), "': ",
                                                              value.status().message()));
    }
    opened.emplace_back(i, std::move(*value));
  }
  for (auto& [i, value] : opened) *record->mutable_fields(i)->mutable_value() = std::move(value);
  return static_cast<int>(opened.size());
}

}  // namespace accord::client
