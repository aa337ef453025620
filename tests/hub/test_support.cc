#include "test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "accord/hub/pki/pki_files.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/signing.h"
#include "accord/v1/key_service.grpc.pb.h"
#include "absl/synchronization/mutex.h"
#include <map>
#include "gtest/gtest.h"

namespace accord::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "accord-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void MakePki(const std::string& dir) {
  std::vector<std::string> agencies = {kPolice, kAnalyst, kAe, kIntruder};
  auto written = hub::pki::WriteDevPki(dir + "/pki", "accord-hub", agencies, false);
  ASSERT_TRUE(written.ok()) << written.status();
  auto rogue = hub::pki::WriteDevPki(dir + "/rogue", "rogue-hub", std::vector<std::string>{kPolice}, false);
  ASSERT_TRUE(rogue.ok()) << rogue.status();
}

namespace {

std::string Indent(const std::string& pem, int spaces) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(pem, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, std::string(spaces, ' '), line, "\n");
  }
  return out;
}

}  // namespace

const policy::KeyPair& PartyKey(const std::string& agency) {
  static absl::Mutex mu;
  static auto* keys = new std::map<std::string, policy::KeyPair>();
  absl::MutexLock lock(&mu);
  auto it = keys->find(agency);
  if (it == keys->end()) {
    auto made = policy::GenerateEd25519KeyPair();
    if (!made.ok()) std::abort();
    it = keys->emplace(agency, *std::move(made)).first;
  }
  return it->second;
}

void RegisterTestKeys(const std::string& dir, int port, const std::vector<std::string>& agencies) {
  for (const std::string& agency : agencies) {
    auto stub = v1::KeyService::NewStub(AgencyChannel(dir, port, agency));
    const policy::KeyPair& key = PartyKey(agency);
    auto proof = policy::SignKeyRegistration(agency, key.private_pem);
    ASSERT_TRUE(proof.ok()) << proof.status();
    v1::RegisterKeyRequest req;
    req.set_agency(agency);
    req.set_public_key_pem(key.public_pem);
    req.set_proof_of_possession(*proof);
    v1::KeyEventResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = stub->RegisterKey(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << agency << ": " << s.error_message();
  }
}

std::string SignedPoliceAgreement(const std::string& id, const std::string& valid_until) {
  return SignedPoliceAgreementWithKeys(id, 1, PartyKey(kPolice), PartyKey(kAnalyst), valid_until);
}

std::string SignedPoliceAgreementWithKeys(const std::string& id, uint32_t version,
                                          const policy::KeyPair& police_key,
                                          const policy::KeyPair& analyst_key,
                                          const std::string& valid_until) {
  const policy::KeyPair* police = &police_key;
  const policy::KeyPair* analyst = &analyst_key;
  std::string doc = absl::StrCat(R"yaml(# Test agreement: police recorded crime to the partnership analyst.
id: )yaml", id, R"yaml(
version: )yaml", version, R"yaml(
title: "Test police recorded crime to the CSP analyst"
purpose: "Reduce violent crime in the test district"
legal_basis: "Crime and Disorder Act 1998 s115; UK GDPR Art 6(1)(e)"
valid_from: 2020-01-01
valid_until: )yaml", valid_until, R"yaml(
review_by: 2020-06-30
retention_days: 365
small_number_threshold: 5
parties:
  - id: herts-police
    name: "Test Constabulary"
    role: provider
    contact: "ig@police.example"
    signing_key: |
)yaml", Indent(police->public_pem, 6), R"yaml(  - id: csp-herts-analyst
    name: "Test Community Safety Partnership"
    role: recipient
    contact: "analyst@csp.example"
    signing_key: |
)yaml", Indent(analyst->public_pem, 6), R"yaml(datasets:
  - name: police_incident
    version: 1
    fields:
      - {name: crime_ref, type: string, class: non_personal, required: true}
      - {name: offence, type: category, class: non_personal, required: true, values: [assault, robbery, burglary]}
      - {name: victim_name, type: name, class: direct_identifier}
      - {name: victim_nhs, type: nhs_number, class: direct_identifier}
      - {name: victim_dob, type: date, class: direct_identifier}
      - {name: victim_phone, type: phone, class: direct_identifier}
      - {name: postcode, type: postcode, class: quasi_identifier}
      - {name: occurred, type: datetime, class: quasi_identifier}
      - {name: narrative, type: free_text, class: sensitive}
flows:
  - id: police-to-analyst
    from: herts-police
    to: [csp-herts-analyst]
    dataset: police_incident
    mode: depersonalised
    event_time: hour
    area: postcode
    fields:
      crime_ref: keep
      offence: keep
      victim_name: pseudonymise
      victim_nhs: pseudonymise
      victim_dob: {generalise: age_band, bands: [0, 18, 25, 35, 50, 65]}
      postcode: {generalise: sector}
      occurred: {generalise: hour}
      narrative: redact
)yaml");
  auto parsed = policy::ParseAgreement(doc, "test");
  if (!parsed.ok()) {
    for (const auto& d : parsed.diagnostics) ADD_FAILURE() << policy::FormatDiagnostic(d);
    std::abort();
  }
  for (auto [party, key] : {std::pair{kPolice, &police->private_pem}, std::pair{kAnalyst, &analyst->private_pem}}) {
    auto sig = policy::SignAgreement(*parsed.agreement, party, *key, absl::Now());
    if (!sig.ok()) {
      ADD_FAILURE() << sig.status();
      std::abort();
    }
    doc = policy::AppendSignatureYaml(doc, *sig);
  }
  return doc;
}

std::shared_ptr<grpc::Channel> AgencyChannel(const std::string& dir, int port,
                                             const std::string& agency, bool rogue, bool no_cert) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrDie(dir + "/pki/ca.crt");
  if (!no_cert) {
    const std::string base = absl::StrCat(dir, rogue ? "/rogue/" : "/pki/", agency);
    ssl.pem_cert_chain = ReadFileOrDie(base + ".crt");
    ssl.pem_private_key = ReadFileOrDie(base + ".key");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("localhost:", port), grpc::SslCredentials(ssl), args);
}

v1::Record PoliceRecord(int n, const std::string& provider) {
  v1::Record r;
  r.set_provider(provider);
  r.set_dataset("police_incident");
  r.set_dataset_version(1);
  r.set_record_id(absl::StrCat("R", n));
  // Within the last 20 days (relative to the run, so the records are inside
  // the agreement's 365-day retention and not in the future on any date).
  static const int64_t base = absl::ToUnixSeconds(absl::Now()) / 3600 * 3600 - 20 * 86400;
  const int64_t when = base + (n % 14400) * 60;
  r.mutable_event_time()->set_seconds(when);
  auto add_text = [&](const char* name, const std::string& v) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(v);
  };
  add_text("crime_ref", absl::StrCat("41/", 100000 + n, "/26"));
  add_text("offence", n % 3 == 0 ? "assault" : (n % 3 == 1 ? "robbery" : "burglary"));
  add_text("victim_name", n % 2 ? "John Smith" : "Zoë O'Brien");
  add_text("victim_nhs", "943 476 5919");
  auto* dob = r.add_fields();
  dob->set_name("victim_dob");
  dob->mutable_value()->set_date("1990-03-14");
  add_text("victim_phone", "07700 900123");
  add_text("postcode", "AL1 3XY");
  auto* occurred = r.add_fields();
  occurred->set_name("occurred");
  occurred->mutable_value()->mutable_datetime()->set_seconds(when - 3600);
  add_text("narrative", n % 2 ? "Victim SMITH, John (DOB 14/03/1990) assaulted outside The Crown, "
                                "George St AL1 3XY. Called from 07700 900123."
                              : "Zoe OBrien punched by unknown male, phone 07700900123.");
  return r;
}

LedgerExport ExportLedger(v1::AuditService::Stub* audit) {
  LedgerExport out;
  grpc::ClientContext ctx;
  auto reader = audit->ExportLedger(&ctx, v1::ExportLedgerRequest());
  v1::ExportLedgerChunk chunk;
  while (reader->Read(&chunk)) {
    if (chunk.has_public_key_pem()) out.public_pem = chunk.public_key_pem();
    if (chunk.has_entry()) out.entries.push_back(chunk.entry());
    if (chunk.has_head()) {
      hub::ledger::SignedTreeHead sth;
      const auto& h = chunk.head();
      sth.head.tree_size = h.tree_size();
      if (h.root_hash().size() == sth.head.root.size()) {
        std::copy(h.root_hash().begin(), h.root_hash().end(), sth.head.root.begin());
      }
      sth.head.timestamp = absl::FromUnixSeconds(h.timestamp().seconds()) + absl::Nanoseconds(h.timestamp().nanos());
      sth.log_id = h.log_id();
      sth.signature = h.signature();
      out.heads.push_back(std::move(sth));
    }
  }
  out.status = reader->Finish();
  return out;
}

hub::ledger::VerifyReport VerifyExport(const LedgerExport& e) {
  size_t next = 0;
  return hub::ledger::VerifyEntriesAgainstHeads(
      [&](hub::ledger::SourceEntry* out) -> absl::StatusOr<bool> {
        if (next == e.entries.size()) return false;
        out->index = e.entries[next].index();
        out->bytes = e.entries[next].entry_bytes();
        ++next;
        return true;
      },
      e.heads, e.public_pem);
}

std::shared_ptr<const policy::KeyDirectory> TestKeyDirectory(const std::vector<std::string>& agencies) {
  auto dir = std::make_shared<policy::KeyDirectory>();
  for (const std::string& agency : agencies) {
    policy::RegisteredSigningKey k;
    k.agency = agency;
    k.public_pem = PartyKey(agency).public_pem;
    k.fingerprint = policy::PublicKeyFingerprint(k.public_pem).value();
    dir->keys.push_back(std::move(k));
  }
  return dir;
}

std::string SignedWithdrawal(const std::string& agreement_doc, const std::string& party,
                             const policy::KeyPair& key, absl::Time effective) {
  auto parsed = policy::ParseAgreement(agreement_doc, "test");
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return "";
  policy::Withdrawal w;
  w.agreement_id = parsed.agreement->id;
  w.version = parsed.agreement->version;
  w.fingerprint = policy::Fingerprint(*parsed.agreement);
  w.party = party;
  w.effective = effective;
  w.reason = "test withdrawal";
  auto signed_w = policy::SignWithdrawal(w, key.private_pem);
  EXPECT_TRUE(signed_w.ok()) << signed_w.status();
  if (!signed_w.ok()) return "";
  return policy::WithdrawalToYaml(*signed_w);
}

}  // namespace accord::testing
