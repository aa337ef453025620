// The quarterly review pack: one self-contained HTML page (inline CSS and SVG
// charts, no scripts, no external assets) rendered from the published figures
// (publish.h): trends, the crime grid heat map, A&E hour-of-week heat map,
// repeat victimisation, the Cardiff linkage, displacement and the
// data-sharing health tables. Suppressed counts are drawn hatched, "<N".
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace accord::analyst {

// `live`: served by `accord-analyst serve`, so the page reloads itself
// (a meta refresh every minute: still no script).
std::string RenderHtml(const nlohmann::json& figures, bool live = false);

// &, <, >, " and ' escaped for HTML text and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace accord::analyst
