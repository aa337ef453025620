#include "accord/policy/pseudonymiser.h"

#include <charconv>
#include <cstdlib>

#include "absl/time/time.h"
#include "accord/base/proto_time.h"
#include "accord/policy/normalise.h"
#include "accord/base/status_macros.h"

namespace accord::policy {
namespace {

constexpr char kSeparator = 0x1f;
constexpr size_t kTokenBytes = 16;
// Timestamp's valid range (0001-01-01 .. 9999-12-31).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::StatusOr<std::string> CanonicalInteger(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return absl::InvalidArgumentError("integer value is not a decimal integer");
  }
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

absl::StatusOr<std::string> CanonicalDateTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() >= 1000000000) {
    return absl::InvalidArgumentError("datetime value is out of range");
  }
  absl::Time t = base::ToTime(ts);
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

struct Normalised {
  std::string_view tag;
  std::string value;
};

// Normalises text for `type`; `tag` is the linkage group.
absl::StatusOr<Normalised> NormaliseText(FieldType type, std::string_view text) {
  switch (type) {
    case FieldType::kNhsNumber: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormaliseNhsNumber(text));
      return Normalised{"nhs", std::move(v)};
    }
    case FieldType::kPostcode: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormalisePostcode(text));
      return Normalised{"postcode", std::move(v)};
    }
    case FieldType::kName: {
      // Order-insensitive (version 2, normalise.h): "SMITH, Oliver" links with "Oliver Smith".
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormaliseNameForLinkage(text));
      return Normalised{"name", std::move(v)};
    }
    case FieldType::kPhone: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormalisePhone(text));
      return Normalised{"phone", std::move(v)};
    }
    case FieldType::kEmail: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormaliseEmail(text));
      return Normalised{"email", std::move(v)};
    }
    case FieldType::kDate: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, NormaliseDate(text));
      return Normalised{"date", std::move(v)};
    }
    case FieldType::kString:
    case FieldType::kCategory:
      if (!IsValidUtf8(text)) return absl::InvalidArgumentError("text value is not valid UTF-8");
      return Normalised{"text", std::string(text)};
    case FieldType::kInteger: {
      ACCORD_ASSIGN_OR_RETURN(std::string v, CanonicalInteger(text));
      return Normalised{"text", std::move(v)};
    }
    case FieldType::kDateTime:
      return absl::InvalidArgumentError("a datetime must be pseudonymised as a datetime value, not text");
    case FieldType::kDecimal:
    case FieldType::kBoolean:
    case FieldType::kGeoPoint:
    case FieldType::kFreeText:
      break;
  }
  return absl::InvalidArgumentError("this field type cannot be pseudonymised");
}

void AppendHex(const unsigned char* bytes, size_t n, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t at = out->size();
  out->resize(at + 2 * n);
  char* p = out->data() + at;
  for (size_t i = 0; i < n; ++i) {
    p[2 * i] = kHex[bytes[i] >> 4];
    p[2 * i + 1] = kHex[bytes[i] & 0x0f];
  }
}

}  // namespace

absl::StatusOr<Pseudonymiser> Pseudonymiser::Create(std::string_view key) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError("linkage key must be at least 32 bytes");
  }
  return Pseudonymiser(HmacSha256(key));
}

absl::StatusOr<Pseudonymiser> Pseudonymiser::Clone() const {
  return Pseudonymiser(HmacSha256(mac_));
}

void Pseudonymiser::Digest(std::string_view prefix, std::initializer_list<std::string_view> parts,
                           std::string* out) {
  message_.clear();
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) message_.push_back(kSeparator);
    first = false;
    message_.append(part);
  }
  unsigned char mac[kSha256Bytes];
  mac_.Mac(message_, mac);
  out->assign(prefix);
  AppendHex(mac, kTokenBytes, out);
}

absl::Status Pseudonymiser::PseudonymiseText(FieldType type, std::string_view text,
                                            std::string* token_out) {
  ACCORD_ASSIGN_OR_RETURN(Normalised n, NormaliseText(type, text));
  Digest("pz1_", {n.tag, n.value}, token_out);
  return absl::OkStatus();
}

absl::Status Pseudonymiser::Pseudonymise(FieldType type, const v1::Value& in,
                                        std::string* token_out) {
  switch (type) {
    case FieldType::kInteger: {
      if (in.kind_case() != v1::Value::kInteger) break;
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), in.integer());
      Digest("pz1_", {"text", std::string_view(buf, res.ptr - buf)}, token_out);
      return absl::OkStatus();
    }
    case FieldType::kDateTime: {
      if (in.kind_case() != v1::Value::kDatetime) break;
      ACCORD_ASSIGN_OR_RETURN(std::string text, CanonicalDateTime(in.datetime()));
      Digest("pz1_", {"text", text}, token_out);
      return absl::OkStatus();
    }
    case FieldType::kDate:
      if (in.kind_case() == v1::Value::kDate) return PseudonymiseText(type, in.date(), token_out);
      if (in.kind_case() == v1::Value::kText) return PseudonymiseText(type, in.text(), token_out);
      break;
    default:
      if (in.kind_case() == v1::Value::kText) return PseudonymiseText(type, in.text(), token_out);
      // Let unsupported types report themselves as such rather than as a kind mismatch.
      if (type == FieldType::kDecimal || type == FieldType::kBoolean ||
          type == FieldType::kGeoPoint || type == FieldType::kFreeText) {
        return absl::InvalidArgumentError("this field type cannot be pseudonymised");
      }
      break;
  }
  return absl::InvalidArgumentError("value kind does not match the field type");
}

void Pseudonymiser::RecordRef(std::string_view provider, std::string_view dataset,
                              std::string_view record_id, std::string* out) {
  Digest("rr1_", {"record", provider, dataset, record_id}, out);
}

}  // namespace accord::policy
