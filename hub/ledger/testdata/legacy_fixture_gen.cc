// legacy_fixture_gen: builds a small ledger with MerkleLog (public API only)
// and writes what partners receive from it, to check that a later storage
// layout serves the same bytes:
//
//   legacy_fixture_gen OUT_DIR
//
//   OUT_DIR/legacy.export   an accord.ledger-export.v1 file (accordctl's
//                           ExportWriter) of 600 entries and 8 signed heads,
//                           written from MerkleLog::Entry and MerkleLog::Heads
//   OUT_DIR/legacy.proofs   for every head size n: the root, and SHA-256 over
//                           every inclusion proof (all i < n) and every
//                           consistency proof (all m <= n) the log serves,
//                           plus a few proofs in full (hex)
//
// The checked-in files in this directory were made by this program built at
// commit e879aba (the last commit with the legacy one-key-per-entry-and-node
// layout); legacy_export_compat_test checks them against the current code.
// The signing key is generated and thrown away: only its public key is kept,
// in the export's header.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/v1/audit_service.pb.h"
#include "ledger_export_file.h"

namespace {

namespace ledger = accord::hub::ledger;

// Batch sizes: the heads land on both sides of the 256-entry tile edges.
constexpr uint64_t kBatches[] = {1, 2, 5, 100, 148, 256, 1, 87};

std::string Entry(uint64_t i) {
  accord::v1::LedgerEntry e;
  e.set_provider("herts-police");
  e.set_recipient(i % 3 == 0 ? "csp-herts-analyst" : "herts-county-council");
  e.set_delivery_id(absl::StrCat("d-", i));
  e.set_dataset("police_incident");
  e.set_record_ref(absl::StrCat("hmac-sha256:", i * 2654435761u));
  return e.SerializeAsString();
}

std::string Hex(const std::vector<ledger::Hash>& proof) {
  std::string out;
  for (const ledger::Hash& h : proof) absl::StrAppend(&out, out.empty() ? "" : " ", ledger::HashToHex(h));
  return out;
}

// SHA-256 over the concatenation of every proof, via the ledger's own hashing
// (LeafHash = SHA-256(0x00 || data)).
struct Digest {
  std::string data;
  void Add(const std::vector<ledger::Hash>& proof) {
    for (const ledger::Hash& h : proof) data.append(reinterpret_cast<const char*>(h.data()), h.size());
    data.push_back('|');
  }
  std::string Hex() const { return ledger::HashToHex(ledger::LeafHash(data)); }
};

int Fail(const absl::Status& s) {
  std::cerr << "legacy_fixture_gen: " << s << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: legacy_fixture_gen OUT_DIR\n";
    return 1;
  }
  const std::string out_dir = argv[1];
  char tmpl[] = "/tmp/legacy-fixture-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  auto pem = ledger::GenerateSigningKeyPem();
  if (!pem.ok()) return Fail(pem.status());
  auto signer = ledger::TreeHeadSigner::FromPrivatePem(*pem);
  if (!signer.ok()) return Fail(signer.status());
  auto db = ledger::OpenLedgerDbForTest(tmpl);
  if (!db.ok()) return Fail(db.status());
  auto log = ledger::MerkleLog::Open((*db)->db.get(), (*db)->cfs, signer->get());
  if (!log.ok()) return Fail(log.status());

  absl::Time t = absl::FromUnixMillis(1'764'000'000'123);
  uint64_t next = 0;
  for (uint64_t n : kBatches) {
    std::vector<std::string> batch;
    for (uint64_t i = 0; i < n; ++i) batch.push_back(Entry(next++));
    t += absl::Milliseconds(1500);
    if (auto p = (*log)->Append(batch, t, /*sync=*/false); !p.ok()) return Fail(p.status());
  }
  const uint64_t size = (*log)->size();

  auto writer = accord::ctl::ExportWriter::Create(out_dir + "/legacy.export", /*overwrite=*/true);
  if (!writer.ok()) return Fail(writer.status());
  if (auto s = (*writer)->WriteHeader((*signer)->public_pem(), "legacy_fixture_gen"); !s.ok()) return Fail(s);
  for (uint64_t i = 0; i < size; ++i) {
    auto e = (*log)->Entry(i);
    if (!e.ok()) return Fail(e.status());
    if (auto s = (*writer)->WriteEntry(i, *e); !s.ok()) return Fail(s);
  }
  auto heads = (*log)->Heads(1, size);
  if (!heads.ok()) return Fail(heads.status());
  for (const ledger::SignedTreeHead& h : *heads) {
    accord::v1::SignedTreeHead proto;
    accord::ctl::HeadToProto(h, &proto);
    if (auto s = (*writer)->WriteHead(proto); !s.ok()) return Fail(s);
  }
  if (auto s = (*writer)->Finish(); !s.ok()) return Fail(s);

  std::ofstream proofs(out_dir + "/legacy.proofs");
  proofs << "# legacy_fixture_gen: root, SHA-256 of all inclusion proofs, SHA-256 of all consistency "
            "proofs, per head size; then sample proofs\n";
  for (const ledger::SignedTreeHead& h : *heads) {
    const uint64_t n = h.head.tree_size;
    auto root = (*log)->RootAt(n);
    if (!root.ok()) return Fail(root.status());
    Digest inclusion, consistency;
    for (uint64_t i = 0; i < n; ++i) {
      auto p = (*log)->InclusionProof(i, n);
      if (!p.ok()) return Fail(p.status());
      inclusion.Add(*p);
    }
    for (uint64_t m = 0; m <= n; ++m) {
      auto p = (*log)->ConsistencyProof(m, n);
      if (!p.ok()) return Fail(p.status());
      consistency.Add(*p);
    }
    proofs << "size " << n << " " << ledger::HashToHex(*root) << " " << inclusion.Hex() << " "
           << consistency.Hex() << "\n";
  }
  for (const auto& [i, n] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 600}, {300, 512}, {599, 600}, {255, 257}}) {
    auto p = (*log)->InclusionProof(i, n);
    if (!p.ok()) return Fail(p.status());
    proofs << "inclusion " << i << " " << n << " " << Hex(*p) << "\n";
  }
  for (const auto& [m, n] : std::vector<std::pair<uint64_t, uint64_t>>{{8, 600}, {256, 513}, {108, 256}}) {
    auto p = (*log)->ConsistencyProof(m, n);
    if (!p.ok()) return Fail(p.status());
    proofs << "consistency " << m << " " << n << " " << Hex(*p) << "\n";
  }
  log->reset();
  db->reset();
  std::filesystem::remove_all(tmpl);
  std::cout << "wrote " << out_dir << "/legacy.export and legacy.proofs: " << size << " entries, "
            << heads->size() << " heads\n";
  return 0;
}
