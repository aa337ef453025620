// libFuzzer target for the text-facing transforms: every normaliser,
// NameTokens, postcode sector/district and DecimalBucket. Besides "no crash,
// no sanitizer report" it checks invariants of the outputs:
//  - each normaliser is idempotent on its own output;
//  - NameTokens joined with ' ' equals NormaliseName;
//  - FormatPostcode and the sector/district agree with NormalisePostcode;
//  - an accepted NHS number passes IsValidNhsNumber;
//  - DecimalBucket's label parses back to lo <= hi.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accord/policy/generalise.h"
#include "accord/policy/normalise.h"

namespace {

using accord::policy::FieldType;

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename F>
void Idempotent(F normalise, std::string_view in) {
  auto once = normalise(in);
  if (!once.ok()) return;
  auto twice = normalise(*once);
  Check(twice.ok() && *twice == *once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace accord::policy;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  Idempotent(NormaliseNhsNumber, in);
  Idempotent(NormalisePostcode, in);
  Idempotent(NormaliseName, in);
  Idempotent(NormalisePhone, in);
  Idempotent(NormaliseEmail, in);
  Idempotent(NormaliseDate, in);

  if (auto nhs = NormaliseNhsNumber(in); nhs.ok()) Check(IsValidNhsNumber(*nhs));
  (void)IsValidNhsNumber(in);

  bool utf8 = IsValidUtf8(in);
  auto name = NormaliseName(in);
  if (name.ok()) {
    Check(utf8);
    Check(IsValidUtf8(*name));
    Check(name->front() != ' ' && name->back() != ' ');
    Check(name->find("  ") == std::string::npos);
  }
  auto tokens = NameTokens(in);
  std::string joined;
  for (const std::string& t : tokens) {
    Check(!t.empty());
    if (!joined.empty()) joined += ' ';
    joined += t;
  }
  Check(name.ok() ? joined == *name : tokens.empty());

  auto postcode = NormalisePostcode(in);
  auto formatted = FormatPostcode(in);
  auto sector = PostcodeSector(in);
  auto district = PostcodeDistrict(in);
  Check(postcode.ok() == formatted.ok() && postcode.ok() == sector.ok() &&
        postcode.ok() == district.ok());
  if (postcode.ok()) {
    Check(formatted->size() == postcode->size() + 1);
    Check(postcode->starts_with(*district));
    Check(formatted->starts_with(*sector));
  }

  for (int64_t width : {1, 10, 7, 1000}) {
    auto bucket = DecimalBucket(in, width);
    if (!bucket.ok()) continue;
    size_t sep = bucket->find('-', 1);
    Check(sep != std::string::npos);
    int64_t lo = std::stoll(bucket->substr(0, sep));
    int64_t hi = std::stoll(bucket->substr(sep + 1));
    Check(lo <= hi && hi - lo == width - 1);
  }
  return 0;
}
