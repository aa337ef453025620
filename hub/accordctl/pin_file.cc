#include "pin_file.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {

namespace ledger = hub::ledger;
using Json = nlohmann::ordered_json;

std::string PinToJson(const Pin& pin) {
  const int64_t ms = ledger::ToUnixMillisFloor(pin.head.head.timestamp);
  Json j{
      {"format", kPinFormat},
      {"hub", pin.hub},
      {"log_id", pin.head.log_id},
      {"public_key_pem", pin.public_pem},
      {"tree_size", pin.head.head.tree_size},
      {"root_hash", ledger::HashToHex(pin.head.head.root)},
      {"timestamp", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", pin.head.head.timestamp, absl::UTCTimeZone())},
      {"timestamp_ms", ms},
      {"signature", absl::Base64Escape(pin.head.signature)}};
  return j.dump(2) + "\n";
}

absl::StatusOr<Pin> ParsePin(const std::string& json_text, const std::string& path) {
  const Json j = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a ledger pin: ", why));
  };
  if (!j.is_object()) return bad("not a JSON object");
  if (j.value("format", "") != kPinFormat) return bad(absl::StrCat("\"format\" is not \"", kPinFormat, "\""));
  for (const char* key : {"hub", "log_id", "public_key_pem", "root_hash", "signature"}) {
    if (!j.contains(key) || !j[key].is_string()) return bad(absl::StrCat("\"", key, "\" is missing"));
  }
  for (const char* key : {"tree_size", "timestamp_ms"}) {
    if (!j.contains(key) || !j[key].is_number_integer()) return bad(absl::StrCat("\"", key, "\" is missing"));
  }
  Pin pin;
  pin.hub = j["hub"].get<std::string>();
  pin.public_pem = j["public_key_pem"].get<std::string>();
  pin.head.log_id = j["log_id"].get<std::string>();
  pin.head.head.tree_size = j["tree_size"].get<uint64_t>();
  pin.head.head.timestamp = absl::FromUnixMillis(j["timestamp_ms"].get<int64_t>());
  const std::string hex = j["root_hash"].get<std::string>();
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return bad("\"root_hash\" is not 64 lowercase hex digits");
  }
  const std::string root = absl::HexStringToBytes(hex);
  std::copy(root.begin(), root.end(), pin.head.head.root.begin());
  if (!absl::Base64Unescape(j["signature"].get<std::string>(), &pin.head.signature)) {
    return bad("\"signature\" is not base64");
  }
  if (absl::Status s = ledger::VerifyTreeHead(pin.head, pin.public_pem); !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("the head pinned in ", path,
                     " does not verify against its key (was the pin altered?): ", s.message()));
  }
  return pin;
}

}  // namespace accord::ctl
