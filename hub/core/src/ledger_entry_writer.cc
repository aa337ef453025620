#include "ledger_entry_writer.h"

#include <cstdlib>
#include <utility>

#include "accord/base/proto_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wire_format_lite.h"

namespace accord::hub {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// LedgerEntry's field numbers (accord/v1/audit_service.proto).
constexpr int kProvider = v1::LedgerEntry::kProviderFieldNumber;
constexpr int kRecipient = v1::LedgerEntry::kRecipientFieldNumber;
constexpr int kAgreementId = v1::LedgerEntry::kAgreementIdFieldNumber;
constexpr int kAgreementVersion = v1::LedgerEntry::kAgreementVersionFieldNumber;
constexpr int kAgreementFingerprint = v1::LedgerEntry::kAgreementFingerprintFieldNumber;
constexpr int kFlowId = v1::LedgerEntry::kFlowIdFieldNumber;
constexpr int kRecordRef = v1::LedgerEntry::kRecordRefFieldNumber;
constexpr int kCleanedRecordSha256 = v1::LedgerEntry::kCleanedRecordSha256FieldNumber;
constexpr int kDeliveryId = v1::LedgerEntry::kDeliveryIdFieldNumber;
constexpr int kDataset = v1::LedgerEntry::kDatasetFieldNumber;

// A proto3 string field: absent when empty.
size_t StringFieldSize(int field, const std::string& value) {
  return value.empty() ? 0 : WireFormatLite::TagSize(field, WireFormatLite::TYPE_STRING) +
                                 WireFormatLite::StringSize(value);
}

uint8_t* WriteStringField(int field, const std::string& value, uint8_t* p) {
  return value.empty() ? p : WireFormatLite::WriteStringToArray(field, value, p);
}

uint8_t* WriteRaw(std::string_view bytes, uint8_t* p) {
  return CodedOutputStream::WriteRawToArray(bytes.data(), static_cast<int>(bytes.size()), p);
}

std::string_view PurposeOf(const policy::CompiledFlow& flow) {
  return flow.flow->purpose.empty() ? flow.agreement->agreement().purpose : flow.flow->purpose;
}

}  // namespace

FlowLedgerParts FlowLedgerParts::For(const policy::CompiledFlow& flow) {
  // Serialized by protobuf itself, once per flow and snapshot: an entry with
  // only these fields set is exactly their bytes, in field-number order.
  FlowLedgerParts parts;
  v1::LedgerEntry entry;
  entry.set_purpose(std::string(PurposeOf(flow)));
  entry.SerializeToString(&parts.purpose);
  entry.Clear();
  for (const auto& plan : flow.plans) {
    auto* f = entry.add_fields();
    f->set_name(plan.spec->name);
    f->set_treatment(plan.treatment_label);
  }
  entry.SerializeToString(&parts.fields);
  return parts;
}

void FlowLedgerPartsCache::Rebuild(std::shared_ptr<const policy::PolicySet> snapshot) {
  if (snapshot == snapshot_) return;
  parts_.clear();
  if (snapshot != nullptr) {
    for (const auto& agreement : snapshot->agreements()) {
      for (const auto& flow : agreement->flows()) parts_.emplace(flow.get(), FlowLedgerParts::For(*flow));
    }
  }
  snapshot_ = std::move(snapshot);
}

const FlowLedgerParts* FlowLedgerPartsCache::Find(const policy::CompiledFlow* flow) const {
  auto it = parts_.find(flow);
  return it == parts_.end() ? nullptr : &it->second;
}

std::string BatchLedgerPart(absl::Time disclosed_at, std::string_view hub_instance) {
  v1::LedgerEntry entry;
  base::ToTimestampMicros(disclosed_at, entry.mutable_disclosed_at());
  entry.set_hub_instance(std::string(hub_instance));
  return entry.SerializeAsString();
}

void WriteLedgerEntry(const FlowLedgerParts& flow, const v1::CleanedRecord& record, const Sha256Digest& digest,
                      std::string_view batch_part, std::string* out) {
  const uint32_t version = record.agreement_version();
  const size_t version_size =
      version == 0 ? 0
                   : WireFormatLite::TagSize(kAgreementVersion, WireFormatLite::TYPE_UINT32) +
                         WireFormatLite::UInt32Size(version);
  const size_t digest_size = WireFormatLite::TagSize(kCleanedRecordSha256, WireFormatLite::TYPE_BYTES) +
                             WireFormatLite::LengthDelimitedSize(digest.size());
  const size_t size = StringFieldSize(kProvider, record.provider()) +
                      StringFieldSize(kRecipient, record.recipient()) +
                      StringFieldSize(kAgreementId, record.agreement_id()) + version_size +
                      StringFieldSize(kAgreementFingerprint, record.agreement_fingerprint()) +
                      StringFieldSize(kFlowId, record.flow_id()) + flow.purpose.size() +
                      StringFieldSize(kRecordRef, record.record_ref()) + flow.fields.size() + digest_size +
                      batch_part.size() + StringFieldSize(kDeliveryId, record.delivery_id()) +
                      StringFieldSize(kDataset, record.dataset());
  out->resize(size);
  uint8_t* const begin = reinterpret_cast<uint8_t*>(out->data());
  uint8_t* p = begin;
  // In field-number order, as protobuf serializes.
  p = WriteStringField(kProvider, record.provider(), p);                            // 1
  p = WriteStringField(kRecipient, record.recipient(), p);                          // 2
  p = WriteStringField(kAgreementId, record.agreement_id(), p);                     // 3
  if (version != 0) p = WireFormatLite::WriteUInt32ToArray(kAgreementVersion, version, p);  // 4
  p = WriteStringField(kAgreementFingerprint, record.agreement_fingerprint(), p);   // 5
  p = WriteStringField(kFlowId, record.flow_id(), p);                               // 6
  p = WriteRaw(flow.purpose, p);                                                    // 7
  p = WriteStringField(kRecordRef, record.record_ref(), p);                         // 8
  p = WriteRaw(flow.fields, p);                                                     // 9
  p = WireFormatLite::WriteTagToArray(kCleanedRecordSha256, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, p);  // 10
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(digest.size()), p);
  p = CodedOutputStream::WriteRawToArray(digest.data(), static_cast<int>(digest.size()), p);
  p = WriteRaw(batch_part, p);                                                      // 11, 12
  p = WriteStringField(kDeliveryId, record.delivery_id(), p);                       // 13
  p = WriteStringField(kDataset, record.dataset(), p);                              // 14
  // The sizes above and the writes disagree: a broken invariant.
  if (p != begin + size) std::abort();
}

void LedgerEntryMessage(const policy::CompiledFlow& flow, const v1::CleanedRecord& record,
                        const Sha256Digest& digest, absl::Time disclosed_at, std::string_view hub_instance,
                        v1::LedgerEntry* entry) {
  entry->Clear();
  entry->set_provider(record.provider());
  entry->set_recipient(record.recipient());
  entry->set_agreement_id(record.agreement_id());
  entry->set_agreement_version(record.agreement_version());
  entry->set_agreement_fingerprint(record.agreement_fingerprint());
  entry->set_flow_id(record.flow_id());
  entry->set_purpose(std::string(PurposeOf(flow)));
  entry->set_record_ref(record.record_ref());
  for (const auto& plan : flow.plans) {
    auto* f = entry->add_fields();
    f->set_name(plan.spec->name);
    f->set_treatment(plan.treatment_label);
  }
  entry->set_cleaned_record_sha256(digest.data(), digest.size());
  base::ToTimestampMicros(disclosed_at, entry->mutable_disclosed_at());
  entry->set_hub_instance(std::string(hub_instance));
  entry->set_delivery_id(record.delivery_id());
  entry->set_dataset(record.dataset());
}

}  // namespace accord::hub
