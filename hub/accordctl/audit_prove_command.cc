// accordctl audit prove: fetch one entry's inclusion proof from a running hub
// and check it locally against a signed tree head (the latest, a given size,
// or a pinned one).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "accord/base/proto_time.h"
#include "accord/hub/ledger/merkle.h"
#include "audit_client.h"
#include "commands.h"
#include "exit_codes.h"
#include "files.h"
#include "nlohmann/json.hpp"
#include "pin_file.h"

namespace accord::ctl {
namespace {

namespace ledger = hub::ledger;

int Tampered(const std::string& problem, bool json) {
  if (json) {
    std::cout << nlohmann::ordered_json{{"ok", false}, {"problem", problem}}.dump(2) << "\n";
  } else {
    std::cout << "INCLUSION PROOF FAILED: " << problem << "\n";
  }
  return kExitTampered;
}

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone()); }

}  // namespace

int RunAuditProve(const AuditProveOptions& o) {
  auto client = AuditClient::Create(o.hub);
  if (!client.ok()) return FailStatus(client.status());

  // The head to prove against, and the key that must have signed it: the
  // pinned head and key with --pin (another size with --tree-size, still
  // under the pinned key), else the hub's head under --expect-key or its key.
  std::string public_pem;
  ledger::SignedTreeHead head;
  bool from_pin = false;
  if (!o.pin.empty()) {
    auto text = ReadFile(o.pin, 1 << 20);
    if (!text.ok()) return FailStatus(text.status());
    auto pin = ParsePin(*text, o.pin);
    if (!pin.ok()) {
      if (pin.status().code() == absl::StatusCode::kDataLoss)
        return Tampered(std::string(pin.status().message()), o.json);
      return FailStatus(pin.status());
    }
    public_pem = pin->public_pem;
    head = pin->head;
    from_pin = o.tree_size == 0 || o.tree_size == head.head.tree_size;
  } else {
    auto pem = client->LedgerKey(o.expect_key);
    if (!pem.ok()) return FailStatus(pem.status());
    public_pem = *pem;
  }
  if (!from_pin) {
    auto sth = client->Head(o.tree_size);
    if (!sth.ok()) return FailStatus(sth.status());
    head = *sth;
    if (absl::Status s = ledger::VerifyTreeHead(head, public_pem); !s.ok()) {
      return Tampered(absl::StrCat("the hub's tree head of size ", head.head.tree_size, " is not signed by ",
                                   o.pin.empty() ? "its" : "the pinned", " ledger key: ", s.message()),
                      o.json);
    }
  }
  const uint64_t size = head.head.tree_size;
  if (o.index >= size) {
    std::cerr << "accordctl: entry " << o.index << " is not in the signed tree of size " << size << "\n";
    return kExitUsage;
  }

  auto proof = client->Inclusion(o.index, size);
  if (!proof.ok()) return FailStatus(proof.status());
  if (proof->index() != o.index || proof->tree_size() != size) {
    return Tampered(absl::StrCat("asked for entry ", o.index, " in the tree of size ", size,
                                 ", the hub answered for entry ", proof->index(), " in the tree of size ",
                                 proof->tree_size()),
                    o.json);
  }
  const ledger::Hash leaf = ledger::LeafHash(proof->entry_bytes());
  if (proof->leaf_hash() != std::string(leaf.begin(), leaf.end())) {
    return Tampered(
        absl::StrCat("the hub's leaf hash for entry ", o.index, " is not the hash of the entry it sent"),
        o.json);
  }
  auto hashes = HashesFromProto(proof->hashes());
  if (!hashes.ok()) return Tampered(std::string(hashes.status().message()), o.json);
  if (absl::Status s = ledger::VerifyInclusion(o.index, size, leaf, *hashes, head.head.root); !s.ok()) {
    return Tampered(absl::StrCat("entry ", o.index, " as the hub sent it is not in the signed tree of size ",
                                 size, " (root ", ledger::HashToHex(head.head.root), "): ", s.message()),
                    o.json);
  }

  v1::LedgerEntry entry;
  const bool parsed = entry.ParseFromString(proof->entry_bytes());
  const absl::Time disclosed =
      base::ToTime(entry.disclosed_at());
  if (o.json) {
    nlohmann::ordered_json j{{"ok", true},
                             {"index", o.index},
                             {"tree_size", size},
                             {"root_hash", ledger::HashToHex(head.head.root)},
                             {"head_timestamp", Rfc3339(head.head.timestamp)},
                             {"log_id", head.log_id},
                             {"leaf_hash", ledger::HashToHex(leaf)},
                             {"proof_hashes", hashes->size()}};
    if (parsed) {
      j["entry"] = {{"provider", entry.provider()},         {"recipient", entry.recipient()},
                    {"agreement_id", entry.agreement_id()}, {"agreement_version", entry.agreement_version()},
                    {"purpose", entry.purpose()},           {"dataset", entry.dataset()},
                    {"disclosed_at", Rfc3339(disclosed)},   {"delivery_id", entry.delivery_id()}};
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "Entry " << o.index << " is in the ledger: included in the signed tree head of size " << size
              << " (root " << ledger::HashToHex(head.head.root) << ", signed " << Rfc3339(head.head.timestamp)
              << ", log " << head.log_id << "), " << hashes->size() << " proof hashes\n";
    if (parsed) {
      std::cout << "  " << entry.provider() << " -> " << entry.recipient() << " under "
                << entry.agreement_id() << " v" << entry.agreement_version() << " (" << entry.purpose()
                << "), " << entry.fields_size() << " fields, disclosed " << Rfc3339(disclosed) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace accord::ctl
