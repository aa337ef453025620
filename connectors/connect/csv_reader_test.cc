#include "csv_reader.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace accord::connect {
namespace {

std::string WriteTemp(const std::string& content) {
  char path[] = "/tmp/csv_reader_testXXXXXX";
  int fd = mkstemp(path);
  ::close(fd);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::vector<CsvRow> ReadAll(const std::string& content, CsvOptions options = {}) {
  const std::string path = WriteTemp(content);
  auto reader = LineReader::Open(path, 64);
  EXPECT_TRUE(reader.ok());
  CsvReader csv(reader->get(), options, 1, true);
  std::vector<CsvRow> rows;
  CsvRow row;
  while (true) {
    auto more = csv.Next(&row);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    rows.push_back(row);
  }
  std::remove(path.c_str());
  return rows;
}

TEST(CsvReaderTest, QuotedFieldsEmbeddedNewlinesAndBom) {
  const std::string text =
      "\xEF\xBB\xBFid,note\r\n1,\"said \"\"hi\"\", left\"\r\n2,\"line one\nline two\"\n\n3, spaced \n";
  auto rows = ReadAll(text);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"id", "note"}));
  EXPECT_EQ(rows[0].begin_offset, 3u);
  EXPECT_EQ(rows[1].cells[1], "said \"hi\", left");
  EXPECT_EQ(rows[2].cells[1], "line one\nline two");
  EXPECT_EQ(rows[2].line, 3u);
  EXPECT_EQ(rows[2].raw, "2,\"line one\nline two\"");
  EXPECT_EQ(rows[3].cells[1], " spaced ");  // spaces kept; trimming is the mapping's
  EXPECT_EQ(rows[3].line, 6u);
  EXPECT_EQ(rows[3].end_offset, text.size());
  EXPECT_EQ(rows[2].end_offset, rows[3].begin_offset - 1);  // the blank line between
}

TEST(CsvReaderTest, MalformedRowIsReportedAndParsingResumes) {
  auto rows = ReadAll("a,b\n1,x\"y\n2,ok\n3,\"open\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_FALSE(rows[1].error.empty());
  EXPECT_EQ(rows[1].raw, "1,x\"y");
  EXPECT_TRUE(rows[2].error.empty());
  EXPECT_EQ(rows[2].cells, (std::vector<std::string>{"2", "ok"}));
  EXPECT_NE(rows[3].error.find("unterminated"), std::string::npos);
}

TEST(CsvReaderTest, OverlongRowIsReported) {
  CsvOptions o;
  o.max_row_bytes = 32;
  auto rows = ReadAll("a,b\n1," + std::string(200, 'x') + "\n2,ok\n", o);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[1].error.find("longer than"), std::string::npos);
  EXPECT_EQ(rows[2].cells[1], "ok");
}

TEST(CsvReaderTest, LastLineWithoutNewlineAndSeek) {
  const std::string text = "a;b\n1;2\n3;4";
  const std::string path = WriteTemp(text);
  auto reader = LineReader::Open(path);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Seek(8).ok());
  CsvOptions o;
  o.delimiter = ';';
  CsvReader csv(reader->get(), o, 3, false);
  CsvRow row;
  ASSERT_TRUE(*csv.Next(&row));
  EXPECT_EQ(row.cells, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(row.end_offset, text.size());
  EXPECT_FALSE(*csv.Next(&row));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace accord::connect
