// The HTML pack in a real browser: headless Chromium (Debian's `chromium`,
// installed by scripts/bootstrap.sh) loads report.html and dumps the DOM it
// built; the page must have rendered its sections and the hotspot map drawn
// as the boundary file's shapes with the area names.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "accord/policy/british_national_grid.h"
#include "boundaries.h"
#include "cell_key.h"
#include "gtest/gtest.h"
#include "publish.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  ::pclose(pipe);
  return out;
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportBrowserTest, ChromiumRendersThePackAndTheNamedMap) {
  ASSERT_FALSE(RunCommand("command -v chromium").empty()) << "chromium is not installed: run scripts/bootstrap.sh";
  std::ifstream geo(std::string(ACCORD_SOURCE_DIR) + "/deploy/boundaries/st-albans-example.geojson");
  std::stringstream text;
  text << geo.rdbuf();
  auto boundaries = Boundaries::Parse(text.str());
  ASSERT_TRUE(boundaries.ok()) << boundaries.status();

  PublishInput in;
  in.boundaries = *boundaries;
  in.terms.threshold["isa-crime"] = 5;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 11, 20), absl::UTCTimeZone());
  const std::pair<double, double> places[] = {{51.7539, -0.3387}, {51.7540, -0.3550}, {51.7470, -0.3330}, {51.7570, -0.3190}};
  int serial = 0;
  for (int p = 0; p < 4; ++p) {
    auto cell = policy::GridCell(places[p].first, places[p].second, 250);
    ASSERT_TRUE(cell.ok());
    for (int i = 0; i < 10 + 6 * p; ++i) {
      Fact f;
      f.agreement_id = "isa-crime";
      f.provider = "herts-police";
      f.dataset = "recorded_crime";
      f.event_time = absl::FromCivil(absl::CivilDay(2026, 9, 1 + i % 28), absl::UTCTimeZone());
      f.received_at = f.event_time;
      f.category = i % 3 ? "robbery" : "criminal_damage";
      f.area = *cell;
      f.record_key = RecordKey(absl::StrCat("browser-", serial++));
      in.facts.push_back(f);
    }
  }
  const std::string html = RenderHtml(PublishFigures(in));
  const auto dir = std::filesystem::temp_directory_path() / ("accord-browser-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "profile");
  {
    std::ofstream out(dir / "report.html");
    out << html;
  }
  const std::string dom = RunCommand(absl::StrCat(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
      "--no-first-run --disable-sync --user-data-dir=",
      (dir / "profile").string(), " --dump-dom file://", (dir / "report.html").string(), " 2>/dev/null"));
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(dom.empty()) << "chromium produced no DOM";
  // It rendered the page: the title and every section heading.
  EXPECT_NE(dom.find("Crime and disorder audit: quarterly review pack"), std::string::npos);
  for (const char* h : {"Hotspots", "Record of data difficulties", "Interventions: displacement", "Data-sharing health"}) {
    EXPECT_NE(dom.find(h), std::string::npos) << h;
  }
  // The map: an SVG of the named shapes, each labelled with its name.
  EXPECT_NE(dom.find("id=\"neighbourhood-map\""), std::string::npos);
  EXPECT_EQ(Occurrences(dom, "<polygon"), 4u);
  for (const char* name : {"Verulam (example)", "City Centre (example)", "Cottonmill (example)", "Clarence (example)"}) {
    EXPECT_NE(dom.find(absl::StrCat("class=\"area-name\"")), std::string::npos);
    EXPECT_NE(dom.find(absl::StrCat(">", name, "</text>")), std::string::npos) << name;
  }
  EXPECT_NE(dom.find("records per neighbourhood"), std::string::npos);
}

}  // namespace
}  // namespace accord::analyst
