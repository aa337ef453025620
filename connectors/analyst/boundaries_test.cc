#include "boundaries.h"

#include <fstream>
#include <sstream>

#include "accord/policy/british_national_grid.h"
#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

std::string ExampleFile() {
  std::ifstream in(std::string(ACCORD_SOURCE_DIR) + "/deploy/boundaries/st-albans-example.geojson");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BoundariesTest, TheExampleSetNamesTheSampleDataCells) {
  auto b = Boundaries::Parse(ExampleFile());
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->areas().size(), 4u);
  // The Crown, George Street (sample data): in the city centre.
  auto cell = policy::GridCell(51.75393385796225, -0.3387142476725823, 250);
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(b->AreaOfCell(*cell), "City Centre (example)");
  auto far = policy::GridCell(51.754, -0.355, 250);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(b->AreaOfCell(*far), "Verulam (example)");
  EXPECT_EQ(b->AreaOfCell("AL1 3"), "");
  EXPECT_EQ(b->AreaOfCell("BNG250:100000:100000"), "");
}

TEST(BoundariesTest, ClearErrors) {
  EXPECT_EQ(Boundaries::Parse("{").status().message(), "boundary file: not JSON");
  EXPECT_EQ(Boundaries::Parse(R"({"type":"Feature"})").status().message(),
            "boundary file: expected a GeoJSON FeatureCollection");
  auto no_name = Boundaries::Parse(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
    "geometry":{"type":"Polygon","coordinates":[[[0,51],[0.1,51],[0.1,51.1],[0,51]]]}}]})");
  EXPECT_EQ(no_name.status().message(), "boundary file: feature 0: needs a \"name\" property");
  auto outside = Boundaries::Parse(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Paris"},
    "geometry":{"type":"Polygon","coordinates":[[[2.3,48.8],[2.4,48.8],[2.4,48.9],[2.3,48.8]]]}}]})");
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("feature 0 (Paris)"), std::string::npos) << outside.status();
}

}  // namespace
}  // namespace accord::analyst
