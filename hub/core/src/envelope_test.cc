#include "envelope.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every member of `m` to a value other than its default, by
// reflection, so a member added to the message is set too. `salt` makes two
// fillings differ in every member. Fails the test on a member type it does
// not know (extend it then, and check CopyEnvelope).
void FillEveryMember(Message* m, int salt) {
  const Reflection* r = m->GetReflection();
  const auto* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string text = f->name() + "-" + std::to_string(salt);
    if (f->is_repeated()) {
      ASSERT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_MESSAGE) << f->full_name();
      FillEveryMember(r->AddMessage(m, f), salt);
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: r->SetString(m, f, text); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, 7 + salt); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, 7 + salt); break;
      case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, 7 + salt); break;
      case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(m, f, 7 + salt); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(m, f, true); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(m, f, 0.5 + salt); break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(m, f, f->enum_type()->value(f->enum_type()->value_count() - 1)->number());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: FillEveryMember(r->MutableMessage(m, f), salt); break;
      default: FAIL() << "FillEveryMember: no filler for " << f->full_name();
    }
  }
}

// Equal in every member but `fields`.
void ExpectSameEnvelope(const v1::CleanedRecord& want, const v1::CleanedRecord& got) {
  google::protobuf::util::MessageDifferencer diff;
  diff.IgnoreField(v1::CleanedRecord::descriptor()->FindFieldByName("fields"));
  std::string report;
  diff.ReportDifferencesToString(&report);
  EXPECT_TRUE(diff.Compare(want, got)) << report;
  EXPECT_EQ(got.fields_size(), 0);
}

TEST(CopyEnvelope, CopiesEveryMemberButTheValues) {
  v1::CleanedRecord from;
  FillEveryMember(&from, 1);
  ASSERT_GT(from.fields_size(), 0);
  v1::CleanedRecord to;
  CopyEnvelope(from, &to);
  ExpectSameEnvelope(from, to);
}

TEST(CopyEnvelope, LeavesNothingOfARecycledEnvelope) {
  v1::CleanedRecord from;
  FillEveryMember(&from, 1);
  v1::CleanedRecord recycled;
  FillEveryMember(&recycled, 2);
  CopyEnvelope(from, &recycled);
  ExpectSameEnvelope(from, recycled);
}

TEST(CopyEnvelope, AnUnsetEventTimeStaysUnset) {
  v1::CleanedRecord from;
  FillEveryMember(&from, 1);
  from.clear_event_time();
  v1::CleanedRecord recycled;
  FillEveryMember(&recycled, 2);
  CopyEnvelope(from, &recycled);
  EXPECT_FALSE(recycled.has_event_time());
  ExpectSameEnvelope(from, recycled);
}

}  // namespace
}  // namespace accord::hub
