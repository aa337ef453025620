#include "batch_decoder.h"

#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

v1::Record Good(const std::string& id) {
  v1::Record r;
  r.set_provider("herts-police");
  r.set_dataset("crime");
  r.set_record_id(id);
  r.mutable_event_time()->set_seconds(1700000000);  // a submessage before the fields
  r.mutable_event_time()->set_nanos(123456789);
  auto* f = r.add_fields();
  f->set_name("offence");
  f->mutable_value()->set_text("assault");
  return r;
}

absl::Status Decode(const std::string& wire, DecodedBatch* out) {
  google::protobuf::io::ArrayInputStream in(wire.data(), static_cast<int>(wire.size()));
  return DecodePublishRequest(&in, out);
}

TEST(BatchDecoderTest, DecodesEveryRecordAndRejectsOnlyTheBadOnes) {
  v1::PublishRequest req;
  req.set_sequence(42);
  *req.add_records() = Good("a");
  v1::Record bad = Good("b");
  bad.mutable_fields(0)->mutable_value()->set_text(std::string("\xc3\x28 broken"));
  *req.add_records() = bad;
  v1::Record bad_id = Good("c");
  bad_id.set_record_id(std::string("\xff"));
  *req.add_records() = bad_id;
  *req.add_records() = Good("d");
  std::string wire;
  ASSERT_TRUE(req.SerializePartialToString(&wire));

  DecodedBatch batch;
  ASSERT_TRUE(Decode(wire, &batch).ok());
  EXPECT_EQ(batch.sequence, 42u);
  ASSERT_EQ(batch.records.size(), 4u);
  ASSERT_EQ(batch.bad.size(), 4u);
  ASSERT_EQ(batch.wire.size(), 4u);
  EXPECT_TRUE(batch.bad[0].ok());
  EXPECT_EQ(batch.records[0].record_id(), "a");
  EXPECT_EQ(batch.wire[0].size(), req.records(0).ByteSizeLong());
  EXPECT_EQ(batch.bad[1].reason, v1::REJECT_INVALID_UTF8);
  EXPECT_EQ(batch.bad[1].field, "offence");
  EXPECT_EQ(batch.bad[1].message.find("broken"), std::string::npos) << "value echoed";
  EXPECT_EQ(batch.bad[2].reason, v1::REJECT_INVALID_UTF8);
  EXPECT_EQ(batch.bad[2].field, "record_id");
  EXPECT_TRUE(batch.bad[3].ok());
  EXPECT_EQ(batch.records[3].record_id(), "d");
}

TEST(BatchDecoderTest, CorruptRecordInsideAWellFormedBatch) {
  // Field 2 (records), 3 bytes long, holding a truncated varint field.
  const std::string wire("\x08\x01\x12\x03\x18\xff\xff", 7);
  DecodedBatch batch;
  ASSERT_TRUE(Decode(wire, &batch).ok());
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.bad[0].reason, v1::REJECT_INVALID_VALUE);
  EXPECT_NE(batch.bad[0].message.find("corrupt"), std::string::npos);
}

TEST(BatchDecoderTest, CorruptBatchIsInvalidArgument) {
  DecodedBatch batch;
  for (const std::string& wire :
       {std::string("\xff\xff\xff\xff\x0f\x0a\x05", 7),  // nonsense tag and truncation
        std::string("\x12\x10\x0a\x02", 4),              // record longer than the batch
        std::string("\x08", 1)}) {                       // truncated varint
    EXPECT_EQ(Decode(wire, &batch).code(), absl::StatusCode::kInvalidArgument)
        << "wire of " << wire.size() << " bytes";
  }
  EXPECT_TRUE(Decode("", &batch).ok());  // an empty batch is valid
  EXPECT_TRUE(batch.records.empty());
}

// Appends an extra (unknown to accord.v1) varint field `number` = 7 to `wire`.
std::string WithUnknown(std::string wire, int number) {
  wire.push_back(static_cast<char>(number << 3));  // wire type 0; numbers < 16
  wire.push_back(7);
  return wire;
}

TEST(BatchDecoderTest, RecordsWithFieldsOutsideTheContractAreRejectedAndTheRestKeepTheirBytes) {
  // An unknown field at each depth: Record, Field, Value, event_time.
  auto unknown = [](google::protobuf::Message* m, int number) {
    m->GetReflection()->MutableUnknownFields(m)->AddVarint(number, 7);
  };
  v1::Record field_level = Good("f");
  unknown(field_level.mutable_fields(0), 9);
  v1::Record value_level = Good("v");
  unknown(value_level.mutable_fields(0)->mutable_value(), 12);
  v1::Record time_level = Good("t");
  unknown(time_level.mutable_event_time(), 5);
  std::string wire;
  auto add = [&](const std::string& record_bytes) {
    wire.push_back(static_cast<char>((2 << 3) | 2));  // PublishRequest.records
    wire.push_back(static_cast<char>(record_bytes.size()));
    wire += record_bytes;
  };
  add(Good("a").SerializeAsString());
  add(WithUnknown(Good("r").SerializeAsString(), 14));
  add(field_level.SerializeAsString());
  add(value_level.SerializeAsString());
  add(time_level.SerializeAsString());

  DecodedBatch batch;
  ASSERT_TRUE(Decode(wire, &batch).ok());
  ASSERT_EQ(batch.records.size(), 5u);
  ASSERT_EQ(batch.wire.size(), 5u);
  EXPECT_TRUE(batch.bad[0].ok());
  EXPECT_EQ(batch.wire[0], Good("a").SerializeAsString());
  const char* where[] = {"", "accord.v1.Record", "field 'offence'", "field 'offence'", "event_time"};
  const int number[] = {0, 14, 9, 12, 5};
  for (int i = 1; i < 5; ++i) {
    EXPECT_EQ(batch.bad[i].reason, v1::REJECT_UNKNOWN_FIELD) << i;
    EXPECT_NE(batch.bad[i].message.find(where[i]), std::string::npos) << batch.bad[i].message;
    EXPECT_NE(batch.bad[i].message.find("field number " + std::to_string(number[i])), std::string::npos)
        << batch.bad[i].message;
    EXPECT_EQ(batch.bad[i].message.find("assault"), std::string::npos) << "value echoed";
  }
}

TEST(BatchDecoderTest, UnknownFieldsOfThePublishRequestAreRefusedLikeARecords) {
  v1::PublishRequest req;
  req.set_sequence(7);
  *req.add_records() = Good("a");
  std::string wire;
  ASSERT_TRUE(req.SerializeToString(&wire));
  DecodedBatch batch;
  ASSERT_TRUE(Decode(wire, &batch).ok());
  // Field 99 (varint 1) and field 3 (a string): not in accord.v1.PublishRequest.
  for (const std::string& extra : {std::string("\x98\x06\x01", 3), std::string("\x1a\x02hi", 4)}) {
    absl::Status s = Decode(wire + extra, &batch);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("does not define"), std::string::npos) << s;
  }
  // A known field with the wrong wire type.
  absl::Status s = Decode(wire + std::string("\x0a\x01x", 3), &batch);  // sequence as a string
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

absl::Status Count(const std::string& wire, uint64_t* sequence, size_t* records) {
  google::protobuf::io::ArrayInputStream in(wire.data(), static_cast<int>(wire.size()));
  return CountPublishRequest(&in, sequence, records);
}

// Counting reads the sequence and the number of records without parsing any
// (an undecodable record counts like the others), and refuses exactly the
// batches DecodePublishRequest refuses.
TEST(BatchDecoderTest, CountReadsTheSequenceAndHowManyRecordsWithoutParsingThem) {
  v1::PublishRequest req;
  req.set_sequence(42);
  *req.add_records() = Good("a");
  v1::Record bad = Good("b");
  bad.mutable_fields(0)->mutable_value()->set_text(std::string("\xc3\x28 broken"));
  *req.add_records() = bad;
  *req.add_records() = Good("c");
  std::string wire;
  ASSERT_TRUE(req.SerializePartialToString(&wire));
  uint64_t sequence = 0;
  size_t records = 0;
  ASSERT_TRUE(Count(wire, &sequence, &records).ok());
  EXPECT_EQ(sequence, 42u);
  EXPECT_EQ(records, 3u);
  ASSERT_TRUE(Count("", &sequence, &records).ok());
  EXPECT_EQ(sequence, 0u);
  EXPECT_EQ(records, 0u);
  DecodedBatch batch;
  for (const std::string& corrupt :
       {std::string("\xff\xff\xff\xff\x0f\x0a\x05", 7), std::string("\x12\x10\x0a\x02", 4),
        std::string("\x08", 1), wire + std::string("\x98\x06\x01", 3), wire + std::string("\x0a\x01x", 3)}) {
    absl::Status counted = Count(corrupt, &sequence, &records);
    EXPECT_EQ(counted.code(), absl::StatusCode::kInvalidArgument) << counted;
    EXPECT_EQ(counted.message(), Decode(corrupt, &batch).message());
  }
}

// Records parsed into cleared records from a RecordPool are those parsed into
// fresh ones: nothing of what the pool's records held before survives (event
// time, values, more fields), and presence is as on the wire.
TEST(BatchDecoderTest, RecordsFromThePoolDecodeAsFreshOnes) {
  RecordPool pool(8);
  std::vector<v1::Record> used;
  for (int i = 0; i < 3; ++i) {
    v1::Record r = Good("used");
    r.set_dataset_version(7);
    for (int k = 0; k < 4; ++k) {
      auto* f = r.add_fields();
      f->set_name("an_old_field_name_" + std::to_string(k));
      f->mutable_value()->mutable_geo()->set_lat(1.5);
    }
    used.push_back(r);
  }
  pool.Give(&used);
  ASSERT_EQ(pool.size(), 3u);
  v1::PublishRequest req;
  req.set_sequence(1);
  *req.add_records() = Good("a");
  v1::Record bare;
  bare.set_provider("herts-police");
  bare.set_record_id("b");
  bare.add_fields()->set_name("no_value");
  *req.add_records() = bare;
  v1::Record bad = Good("c");
  bad.mutable_fields(0)->mutable_value()->set_text(std::string("\xc3\x28"));
  *req.add_records() = bad;
  *req.add_records() = Good("d");  // beyond what the pool holds: a fresh record
  std::string wire;
  ASSERT_TRUE(req.SerializePartialToString(&wire));

  DecodedBatch fresh;
  ASSERT_TRUE(Decode(wire, &fresh).ok());
  DecodedBatch pooled;
  google::protobuf::io::ArrayInputStream in(wire.data(), static_cast<int>(wire.size()));
  ASSERT_TRUE(DecodePublishRequest(&in, &pooled, &pool).ok());
  EXPECT_EQ(pool.size(), 0u);
  ASSERT_EQ(pooled.records.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(pooled.records[i].SerializeAsString(), fresh.records[i].SerializeAsString()) << i;
    EXPECT_EQ(pooled.bad[i].reason, fresh.bad[i].reason) << i;
    EXPECT_EQ(pooled.bad[i].message, fresh.bad[i].message) << i;
    EXPECT_EQ(pooled.wire[i], fresh.wire[i]) << i;
  }
  EXPECT_FALSE(pooled.records[1].has_event_time());
  ASSERT_EQ(pooled.records[1].fields_size(), 1);
  EXPECT_FALSE(pooled.records[1].fields(0).has_value());
  EXPECT_EQ(pooled.records[2].ByteSizeLong(), 0u) << "an undecodable record is left empty";
}

}  // namespace
}  // namespace accord::hub
