#include "row_source.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

#include "gtest/gtest.h"

namespace accord::connect {
namespace {

std::string WriteTemp(const std::string& content) {
  char path[] = "/tmp/row_source_testXXXXXX";
  ::close(mkstemp(path));
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

Mapping MakeMapping(const char* format) {
  auto m = ParseMapping(absl::StrCat(R"yaml(
provider: p
dataset: d
dataset_version: 1
source: {format: )yaml", format, R"yaml(}
record_id: id
event_time: t
fields:
  - {field: t, column: when, type: date}
  - {field: n, column: note}
)yaml"), "m.yaml");
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(RowSourceTest, CsvColumnsFollowTheMappingNotTheFile) {
  Mapping m = MakeMapping("csv");  // columns: when, note, id
  const std::string path = WriteTemp("note,extra,id,when\nhello,x,1,2026-01-02\n\"a\nb\",y,2,2026-01-03\nshort\n");
  auto source = OpenSource(path, &m, 0, 1);
  ASSERT_TRUE(source.ok()) << source.status();
  SourceRow row;
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_EQ(row.cells, (std::vector<std::string>{"2026-01-02", "hello", "1"}));
  EXPECT_EQ(row.line, 2u);
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_EQ(row.cells[1], "a\nb");
  const uint64_t resume_at = row.end_offset;
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_NE(row.error.find("1 columns, the header has 4"), std::string::npos);
  EXPECT_FALSE(*(*source)->Next(&row));
  // Resuming mid-file still knows the header.
  auto resumed = OpenSource(path, &m, resume_at, 5);
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE(*(*resumed)->Next(&row));
  EXPECT_EQ(row.raw, "short");
  EXPECT_EQ(row.line, 5u);
  std::remove(path.c_str());
}

TEST(RowSourceTest, CsvMissingColumnFailsOpen) {
  Mapping m = MakeMapping("csv");
  const std::string path = WriteTemp("note,id\nx,1\n");
  auto source = OpenSource(path, &m, 0, 1);
  EXPECT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("\"when\""), std::string::npos);
  std::remove(path.c_str());
}

TEST(RowSourceTest, JsonLinesWithAMapping) {
  Mapping m = MakeMapping("jsonl");
  const std::string path = WriteTemp(
      "{\"when\": \"2026-01-02\", \"note\": \"hi\", \"id\": 7}\n\n[1,2]\n{\"note\": null, \"id\": \"x\"}\n");
  auto source = OpenSource(path, &m, 0, 1);
  ASSERT_TRUE(source.ok());
  SourceRow row;
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_EQ(row.cells, (std::vector<std::string>{"2026-01-02", "hi", "7"}));
  ASSERT_TRUE(*(*source)->Next(&row));  // the blank line is skipped
  EXPECT_EQ(row.line, 3u);
  EXPECT_EQ(row.error, "not a JSON object");
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_TRUE(row.error.empty());
  EXPECT_EQ(row.cells, (std::vector<std::string>{"", "", "x"}));
  EXPECT_FALSE(*(*source)->Next(&row));
  std::remove(path.c_str());
}

TEST(RowSourceTest, RecordJsonLinesWithoutAMapping) {
  const std::string path = WriteTemp(
      "{\"provider\": \"p\", \"dataset\": \"d\", \"recordId\": \"r1\"}\n{\"nope\": 1}\n");
  auto source = OpenSource(path, nullptr, 0, 1);
  ASSERT_TRUE(source.ok());
  SourceRow row;
  ASSERT_TRUE(*(*source)->Next(&row));
  ASSERT_TRUE(row.record.has_value());
  EXPECT_EQ(row.record->record_id(), "r1");
  ASSERT_TRUE(*(*source)->Next(&row));
  EXPECT_FALSE(row.error.empty());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace accord::connect
