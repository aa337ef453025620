#include "accord/base/big_endian.h"

#include "gtest/gtest.h"

namespace accord::base {
namespace {

TEST(BigEndianTest, U32RoundTripsMostSignificantByteFirst) {
  std::string out;
  AppendU32(&out, 0x01020304u);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04", 4));
  AppendU32(&out, 0xFFFFFFFEu);
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(DecodeU32(out), 0x01020304u);
  EXPECT_EQ(DecodeU32(std::string_view(out).substr(4)), 0xFFFFFFFEu);
  std::string zero;
  AppendU32(&zero, 0);
  EXPECT_EQ(zero, std::string(4, '\0'));
  EXPECT_EQ(DecodeU32(zero), 0u);
}

TEST(BigEndianTest, ByteOrderIsNumericOrder) {
  std::string a, b;
  AppendU32(&a, 255);
  AppendU32(&b, 256);
  EXPECT_LT(a, b);
}

}  // namespace
}  // namespace accord::base
