// Shared fixtures for hub integration tests: a dev PKI in a temp dir, signed
// test agreements, mTLS channels per agency, and record builders.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "accord/policy/signing.h"
#include "accord/hub/ledger/verify.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/record.pb.h"
#include "grpcpp/grpcpp.h"

namespace accord::testing {

inline constexpr char kPolice[] = "herts-police";
inline constexpr char kAnalyst[] = "csp-herts-analyst";
inline constexpr char kAe[] = "nhs-lister-ae";
inline constexpr char kIntruder[] = "intruder";

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes a dev PKI (ca, hub, one cert per agency above) into `dir`/pki and
// a second, unrelated CA with an "herts-police" cert into `dir`/rogue.
void MakePki(const std::string& dir);

// The Ed25519 signing key pair of `agency` in these tests (made once per
// process). RegisterTestKeys registers them with the hub.
const policy::KeyPair& PartyKey(const std::string& agency);

// Each agency (default: police, analyst, A&E) registers PartyKey(agency)
// with the hub over its own mTLS certificate (KeyService.RegisterKey).
// Registering again is harmless.
void RegisterTestKeys(const std::string& dir, int port,
                      const std::vector<std::string>& agencies = {kPolice, kAnalyst, kAe});

// A key directory in which each agency registered PartyKey(agency) at the
// beginning of time: for tests that open an AgreementRegistry directly
// (AgreementRegistryOptions::keys) instead of going through a hub.
std::shared_ptr<const policy::KeyDirectory> TestKeyDirectory(
    const std::vector<std::string>& agencies = {kPolice, kAnalyst, kAe});

// A police -> analyst agreement, signed by both parties with their
// registered test keys (PartyKey). valid_until may be in the past to make an
// expired agreement.
std::string SignedPoliceAgreement(const std::string& id = "test-police-analyst",
                                  const std::string& valid_until = "2099-12-31");
// The same agreement at `version`, with the given keys written into it and
// signing for each party (for attacks: keys nobody registered).
std::string SignedPoliceAgreementWithKeys(const std::string& id, uint32_t version,
                                          const policy::KeyPair& police,
                                          const policy::KeyPair& analyst,
                                          const std::string& valid_until = "2099-12-31");

// A withdrawal of the agreement `agreement_doc` by `party`, effective at
// `effective`, signed with `key` (YAML, ready to submit).
std::string SignedWithdrawal(const std::string& agreement_doc, const std::string& party,
                             const policy::KeyPair& key, absl::Time effective);

// mTLS channel to the hub as `agency` (cert from `dir`/pki). `rogue` uses the
// unrelated CA's cert; `no_cert` presents none.
std::shared_ptr<grpc::Channel> AgencyChannel(const std::string& dir, int port,
                                             const std::string& agency, bool rogue = false,
                                             bool no_cert = false);

// A valid police_incident record with id "R<n>"; the victim's identifiers
// and the narrative mention them. Its event time is in the 20 days before the
// test run (record n at minute n, modulo 10 days).
v1::Record PoliceRecord(int n, const std::string& provider = kPolice);

std::string ReadFileOrDie(const std::string& path);

// The hub's ledger as ExportLedger streams it.
struct LedgerExport {
  grpc::Status status;
  std::string public_pem;
  std::vector<v1::Disclosure> entries;
  std::vector<hub::ledger::SignedTreeHead> heads;
};
LedgerExport ExportLedger(v1::AuditService::Stub* audit);
// Recomputes the exported tree and checks every head (the offline verifier).
hub::ledger::VerifyReport VerifyExport(const LedgerExport& e);

}  // namespace accord::testing
