#include "accord/hub/core/agreement_registry.h"

#include "absl/strings/str_replace.h"
#include "accord/policy/agreement_parser.h"
#include "core_test_util.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

using testing::OpenDb;
using testing::TempDir;

// An agreement stored under older, laxer rules (here: a direct identifier
// kept in clear, which lint now refuses) is not in force, and the hub still
// starts: the other agreements keep working. It used to stop the hub with
// "a stored agreement no longer parses; the hub version may be too old".
TEST(AgreementRegistryTest, AStoredAgreementThatTodaysRulesRefuseIsNotInForceAndTheHubStillStarts) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  const std::string lax = absl::StrReplaceAll(policy::testdata::LinkageAgreementYaml("isa-lax"),
                                              {{"      victim_name: pseudonymise\n", "      victim_name: keep\n"}});
  ASSERT_FALSE(policy::ParseAgreement(lax, "lax.yaml").ok()) << "the test needs a document lint refuses";
  const std::string good = policy::testdata::LinkageAgreementYaml("isa-good");
  ASSERT_TRUE(policy::ParseAgreement(good, "good.yaml").ok());
  rocksdb::WriteBatch wb;
  auto key = [](const std::string& id) { return id + std::string(1, '\0') + std::string("\0\0\0\x02", 4); };
  wb.Put(db->cf(HubDb::kAgreements), key("isa-lax"), lax);
  wb.Put(db->cf(HubDb::kAgreements), key("isa-good"), good);
  ASSERT_TRUE(db->WriteSync(&wb).ok());

  AgreementRegistryOptions options;
  options.linkage_master_key = std::string(32, 'k');
  auto registry = AgreementRegistry::Open(db.get(), options);
  ASSERT_TRUE(registry.ok()) << registry.status();
  const std::vector<AgreementView> listed = (*registry)->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].agreement->id, "isa-good");
  EXPECT_FALSE((*registry)->Get("isa-lax", 2).ok());
}

}  // namespace
}  // namespace accord::hub
