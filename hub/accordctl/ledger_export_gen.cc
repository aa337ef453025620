// ledger_export_gen: writes a synthetic, validly signed ledger export (the
// accord.ledger-export.v1 file `accordctl audit export` writes) for stress
// tests and benchmarks of `accordctl audit verify --file`.
//
//   ledger_export_gen OUT ENTRIES [ENTRIES_PER_HEAD=1000] [PUBLIC_KEY_OUT]
//
// Entries are serialized LedgerEntry messages of about 300 bytes (as the hub
// writes them); a signed head follows every ENTRIES_PER_HEAD entries and at the
// end, under a fresh Ed25519 key (its public PEM also goes to PUBLIC_KEY_OUT).
#include <cstdlib>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/v1/audit_service.pb.h"
#include "files.h"
#include "ledger_export_file.h"

namespace {

namespace ledger = accord::hub::ledger;

std::string Entry(uint64_t i, absl::Time t) {
  accord::v1::LedgerEntry e;
  e.set_provider("herts-police");
  e.set_recipient("csp-herts-analyst");
  e.set_agreement_id("herts-police-csp-analyst");
  e.set_agreement_version(3);
  e.set_agreement_fingerprint("sha256:4b1f0c7e9a2d5b8c3e6f1a4d7b0c3e6f9a2d5b8c1e4f7a0d3b6c9e2f5a8d1b4c");
  e.set_flow_id("incidents");
  e.set_purpose("crime and disorder reduction (s115 CDA 1998)");
  e.set_record_ref(absl::StrCat("hmac-sha256:", i * 2654435761u));
  for (const char* f : {"crime_ref", "offence", "sector", "occurred_at", "victim_age_band"}) {
    auto* d = e.add_fields();
    d->set_name(f);
    d->set_treatment("keep");
  }
  e.set_cleaned_record_sha256(std::string(32, static_cast<char>(i)));
  e.mutable_disclosed_at()->set_seconds(absl::ToUnixSeconds(t));
  e.set_hub_instance("hub-1");
  e.set_delivery_id(absl::StrCat("d-", i));
  e.set_dataset("police_incident");
  return e.SerializeAsString();
}

int Fail(const absl::Status& s) {
  std::cerr << "ledger_export_gen: " << s << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: ledger_export_gen OUT ENTRIES [ENTRIES_PER_HEAD=1000] [PUBLIC_KEY_OUT]\n";
    return 1;
  }
  const std::string out = argv[1];
  const uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const uint64_t per_head = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1000;
  if (per_head == 0) return Fail(absl::InvalidArgumentError("ENTRIES_PER_HEAD must be > 0"));
  auto pem = ledger::GenerateSigningKeyPem();
  if (!pem.ok()) return Fail(pem.status());
  auto signer = ledger::TreeHeadSigner::FromPrivatePem(*pem);
  if (!signer.ok()) return Fail(signer.status());
  if (argc > 4) {
    if (absl::Status s = accord::ctl::WriteFile(argv[4], (*signer)->public_pem()); !s.ok()) return Fail(s);
  }
  auto writer = accord::ctl::ExportWriter::Create(out, /*overwrite=*/true);
  if (!writer.ok()) return Fail(writer.status());
  if (absl::Status s = (*writer)->WriteHeader((*signer)->public_pem(), "ledger_export_gen"); !s.ok())
    return Fail(s);

  ledger::TreeBuilder tree;
  std::vector<accord::v1::SignedTreeHead> heads;
  absl::Time t = absl::Now() - absl::Hours(24);
  for (uint64_t i = 0; i < n; ++i) {
    const std::string bytes = Entry(i, t);
    tree.Append(ledger::LeafHash(bytes));
    if (absl::Status s = (*writer)->WriteEntry(i, bytes); !s.ok()) return Fail(s);
    if (tree.size() % per_head == 0 || i + 1 == n) {
      t += absl::Milliseconds(5);
      auto sth = (*signer)->Sign(ledger::TreeHead{tree.size(), tree.Root(), t});
      if (!sth.ok()) return Fail(sth.status());
      accord::ctl::HeadToProto(*sth, &heads.emplace_back());
    }
  }
  for (const auto& h : heads) {
    if (absl::Status s = (*writer)->WriteHead(h); !s.ok()) return Fail(s);
  }
  if (absl::Status s = (*writer)->Finish(); !s.ok()) return Fail(s);
  std::cout << "wrote " << out << ": " << n << " entries, " << heads.size() << " signed heads\n";
  return 0;
}
