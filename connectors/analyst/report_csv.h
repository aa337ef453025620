// CSV renderings of the published figures (publish.h): one table per file,
// RFC 4180 quoting, a header row naming the columns.
#pragma once

#include <map>
#include <string>

#include "nlohmann/json.hpp"

namespace accord::analyst {

// File name ("counts.csv", ...) -> CSV text.
std::map<std::string, std::string> RenderCsv(const nlohmann::json& figures);

// One CSV field, quoted when it holds a comma, quote or line break.
std::string CsvField(const std::string& value);

}  // namespace accord::analyst
