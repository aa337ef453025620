#include "batch_decoder.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"

namespace accord::hub {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;
using google::protobuf::internal::WireFormatLite;

constexpr int kSequenceField = 1;
constexpr int kRecordsField = 2;
constexpr int kRecordFieldsField = 6;  // Record.fields
constexpr int kFieldNameField = 1;     // Field.name

// Whether `text` is valid UTF-8, by protobuf's own check: parse a Field
// whose only content is `text` as its (proto3 string) name.
bool IsValidUtf8(const std::string& text) {
  std::string wire;
  wire.push_back(static_cast<char>(WireFormatLite::MakeTag(kFieldNameField,
                                                           WireFormatLite::WIRETYPE_LENGTH_DELIMITED)));
  google::protobuf::io::StringOutputStream sink(&wire);
  {
    google::protobuf::io::CodedOutputStream out(&sink);
    out.WriteVarint32(static_cast<uint32_t>(text.size()));
    out.WriteString(text);
  }
  v1::Field probe;
  return probe.ParseFromString(wire);
}

policy::Rejection Reject(v1::RejectReason reason, std::string message, std::string field = {}) {
  policy::Rejection r;
  r.reason = reason;
  r.message = std::move(message);
  r.field = std::move(field);
  return r;
}

// The first field number, at any depth, that accord.v1.Record does not
// define (protobuf keeps such fields as "unknown"); 0 if there is none.
// This runs for every message of every record published: the reflection of
// each type is looked up once, not per call (GetReflection() goes through
// the descriptor tables).
template <typename Message>
int FirstUnknownField(const Message& m) {
  static const google::protobuf::Reflection* const reflection = Message::GetReflection();
  const UnknownFieldSet& u = reflection->GetUnknownFields(m);
  return u.empty() ? 0 : u.field(0).number();
}

int FirstUnknownField(const v1::Record& record, std::string* where) {
  if (int n = FirstUnknownField(record)) {
    *where = "accord.v1.Record";
    return n;
  }
  if (record.has_event_time()) {
    if (int n = FirstUnknownField(record.event_time())) {
      *where = "event_time";
      return n;
    }
  }
  for (const v1::Field& f : record.fields()) {
    int n = FirstUnknownField(f);
    if (n == 0 && f.has_value()) {
      const v1::Value& v = f.value();
      n = FirstUnknownField(v);
      if (n == 0 && v.has_datetime()) n = FirstUnknownField(v.datetime());
      if (n == 0 && v.has_geo()) n = FirstUnknownField(v.geo());
      if (n == 0 && v.has_sealed()) n = FirstUnknownField(v.sealed());
    }
    if (n != 0) {
      *where = absl::StrCat("field '", f.name(), "'");
      return n;
    }
  }
  return 0;
}

// Records taken from the pool at a time.
constexpr size_t kTakeChunk = 64;

// A cleared record at the end of out->records: a spare one if there is one.
v1::Record& NextRecord(DecodedBatch* out, RecordPool* pool) {
  if (out->spare.empty() && pool != nullptr) pool->Take(kTakeChunk, &out->spare);
  if (out->spare.empty()) return out->records.emplace_back();
  v1::Record& record = out->records.emplace_back(std::move(out->spare.back()));
  out->spare.pop_back();
  return record;
}

}  // namespace

policy::Rejection DiagnoseRecord(const std::string& bytes) {
  UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) {
    return Reject(v1::REJECT_INVALID_VALUE,
                  "the record's encoding is corrupt (not a valid accord.v1.Record); it was not stored");
  }
  // Well-formed on the wire, so some text is not valid UTF-8. Name where.
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    if (f.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    if (f.number() == kRecordFieldsField) {
      v1::Field field;
      if (field.ParseFromString(f.length_delimited())) continue;
      UnknownFieldSet inner;
      std::string name;
      if (inner.ParseFromString(f.length_delimited())) {
        for (int k = 0; k < inner.field_count(); ++k) {
          const UnknownField& g = inner.field(k);
          if (g.number() == kFieldNameField && g.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
            name = g.length_delimited();
          }
        }
      }
      if (!name.empty() && IsValidUtf8(name)) {
        return Reject(v1::REJECT_INVALID_UTF8,
                      absl::StrCat("field '", name,
                                   "' has a text value that is not valid UTF-8; the record was not stored"),
                      name);
      }
      return Reject(v1::REJECT_INVALID_UTF8,
                    "a field name is not valid UTF-8; the record was not stored");
    }
    const bool text = f.number() == 1 || f.number() == 2 || f.number() == 4;  // envelope strings
    if (text && !IsValidUtf8(f.length_delimited())) {
      const char* what = f.number() == 1 ? "provider" : f.number() == 2 ? "dataset" : "record_id";
      return Reject(v1::REJECT_INVALID_UTF8,
                    absl::StrCat(what, " is not valid UTF-8; the record was not stored"), what);
    }
  }
  return Reject(v1::REJECT_INVALID_VALUE,
                "the record does not decode as an accord.v1.Record (a value has the wrong wire type); "
                "it was not stored");
}

namespace {

// Like a record's, a batch's fields outside accord.v1 are refused, not skipped.
absl::Status UnexpectedBatchField(int number) {
  if (number == kSequenceField || number == kRecordsField) {
    return absl::InvalidArgumentError(absl::StrCat("PublishRequest field ", number, " has the wrong wire type"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the batch carries protobuf field number ", number, ", which accord.v1.PublishRequest does not define"));
}

}  // namespace

absl::Status DecodePublishRequest(google::protobuf::io::ZeroCopyInputStream* in, DecodedBatch* out,
                                  RecordPool* pool) {
  out->sequence = 0;
  out->records.clear();
  out->bad.clear();
  out->wire.clear();
  google::protobuf::io::CodedInputStream input(in);
  input.SetTotalBytesLimit(INT32_MAX);  // gRPC already enforces max_message_bytes
  std::string bytes;
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;  // end of message (or a zero tag, caught by ConsumedEntireMessage)
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (number == kSequenceField && type == WireFormatLite::WIRETYPE_VARINT) {
      if (!input.ReadVarint64(&out->sequence)) break;
      continue;
    }
    if (number == kRecordsField && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!input.ReadVarint32(&length) || !input.ReadString(&bytes, static_cast<int>(length))) {
        return absl::InvalidArgumentError("the batch is truncated or its encoding is corrupt");
      }
      v1::Record& record = NextRecord(out, pool);
      policy::Rejection& rejection = out->bad.emplace_back();
      if (!record.ParseFromString(bytes)) {
        record.Clear();
        rejection = DiagnoseRecord(bytes);
      } else if (std::string where; int number = FirstUnknownField(record, &where)) {
        // Nothing outside the contract is stored: data no agreement can name.
        rejection = Reject(v1::REJECT_UNKNOWN_FIELD,
                           absl::StrCat(where, " carries protobuf field number ", number,
                                        ", which accord.v1 does not define; the record was not stored"));
        record.Clear();
      }
      out->wire.push_back(std::move(bytes));
      bytes.clear();
      continue;
    }
    return UnexpectedBatchField(number);
  }
  if (!input.ConsumedEntireMessage()) {
    return absl::InvalidArgumentError("the batch's encoding is corrupt");
  }
  return absl::OkStatus();
}

absl::Status CountPublishRequest(google::protobuf::io::ZeroCopyInputStream* in, uint64_t* sequence,
                                 size_t* records) {
  *sequence = 0;
  *records = 0;
  google::protobuf::io::CodedInputStream input(in);
  input.SetTotalBytesLimit(INT32_MAX);  // gRPC already enforces max_message_bytes
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (number == kSequenceField && type == WireFormatLite::WIRETYPE_VARINT) {
      if (!input.ReadVarint64(sequence)) break;
      continue;
    }
    if (number == kRecordsField && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!input.ReadVarint32(&length) || !input.Skip(static_cast<int>(length))) {
        return absl::InvalidArgumentError("the batch is truncated or its encoding is corrupt");
      }
      ++*records;
      continue;
    }
    return UnexpectedBatchField(number);
  }
  if (!input.ConsumedEntireMessage()) {
    return absl::InvalidArgumentError("the batch's encoding is corrupt");
  }
  return absl::OkStatus();
}

}  // namespace accord::hub
