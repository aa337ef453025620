#include "accord/hub/pki/agency_id.h"

#include <string>

#include "gtest/gtest.h"

namespace accord::hub::pki {
namespace {

TEST(AgencyIdTest, AcceptsValidIds) {
  for (const char* id : {"police", "ae", "nhs-trust-12", "met.police", "a_b", "0x", "9-.",
                         "a0123456789012345678901234567890123456789012345678901234567890bc"}) {
    EXPECT_TRUE(IsValidAgencyId(id)) << id;
    EXPECT_TRUE(ValidateAgencyId(id).ok()) << id;
  }
}

TEST(AgencyIdTest, RejectsInvalidIds) {
  const std::string too_long(65, 'a');
  for (std::string id : {std::string(""), std::string("a"), std::string("Police"),
                         std::string("-police"), std::string(".x"), std::string("_x"),
                         std::string("police force"), std::string("police/x"),
                         std::string("accord:agency:x"), std::string("polic\xc3\xa9"),
                         std::string("po\0lice", 7), too_long}) {
    EXPECT_FALSE(IsValidAgencyId(id)) << id;
    absl::Status status = ValidateAgencyId(id, "provider");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find("provider"), std::string::npos);
    if (id.size() >= 4) {
      EXPECT_EQ(status.message().find(id), std::string::npos) << "value leaked";
    }
  }
  EXPECT_EQ(std::string(64, 'a').size(), kMaxAgencyIdLength);
  EXPECT_TRUE(IsValidAgencyId(std::string(64, 'a')));
}

}  // namespace
}  // namespace accord::hub::pki
