// accordctl audit pin / check-consistency: remember a signed tree head, and
// later prove that the hub's current ledger extends it (RFC 9162 consistency
// proof), so a hub that rewrote history after showing the head is caught.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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
using Json = nlohmann::ordered_json;

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone()); }

std::string Describe(const ledger::SignedTreeHead& h) {
  return absl::StrCat("size ", h.head.tree_size, ", root ", ledger::HashToHex(h.head.root).substr(0, 16),
                      "…, signed ", Rfc3339(h.head.timestamp));
}

int Inconsistent(const std::string& problem, bool json) {
  if (json) {
    std::cout << Json{{"ok", false}, {"problem", problem}}.dump(2) << "\n";
  } else {
    std::cout << "LEDGER HISTORY REWRITTEN: " << problem << "\n";
  }
  return kExitTampered;
}

}  // namespace

int RunAuditPin(const AuditPinOptions& o) {
  auto client = AuditClient::Create(o.hub);
  if (!client.ok()) return FailStatus(client.status());
  auto pem = client->LedgerKey(o.expect_key);
  if (!pem.ok()) return FailStatus(pem.status());
  auto head = client->Head(0);
  if (!head.ok()) return FailStatus(head.status());
  if (head->head.tree_size == 0) {
    std::cerr << "accordctl: the hub's ledger is empty; there is no signed tree head to pin yet\n";
    return kExitUsage;
  }
  if (absl::Status s = ledger::VerifyTreeHead(*head, *pem); !s.ok()) {
    std::cout << "LEDGER HEAD NOT SIGNED BY THE LEDGER KEY: " << s.message() << "\n";
    return kExitTampered;
  }
  Pin pin{o.hub.target, *pem, *head};
  if (absl::Status s = WriteFile(o.out, PinToJson(pin), 0644, o.force); !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists || s.code() == absl::StatusCode::kFailedPrecondition) {
      std::cerr << "accordctl: " << s.message() << " (use --force to replace the pin)\n";
      return kExitUsage;
    }
    return FailStatus(s);
  }
  if (o.json) {
    std::cout << Json{{"pin", o.out},
                      {"tree_size", head->head.tree_size},
                      {"root_hash", ledger::HashToHex(head->head.root)},
                      {"timestamp", Rfc3339(head->head.timestamp)},
                      {"log_id", head->log_id}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Pinned the hub's signed tree head (" << Describe(*head) << ", log " << head->log_id
              << ") in " << o.out
              << "\nLater, check the hub never rewrote it: accordctl audit check-consistency --pin " << o.out
              << "\n";
  }
  return kExitOk;
}

int RunAuditCheckConsistency(const AuditCheckConsistencyOptions& o) {
  auto text = ReadFile(o.pin, 1 << 20);
  if (!text.ok()) return FailStatus(text.status());
  auto pin = ParsePin(*text, o.pin);
  if (!pin.ok()) {
    if (pin.status().code() == absl::StatusCode::kDataLoss)
      return Inconsistent(std::string(pin.status().message()), o.json);
    return FailStatus(pin.status());
  }
  HubOptions hub = o.hub;
  if (hub.target.empty()) hub.target = pin->hub;
  auto client = AuditClient::Create(hub);
  if (!client.ok()) return FailStatus(client.status());
  auto current = client->Head(0);
  if (!current.ok()) return FailStatus(current.status());

  const ledger::SignedTreeHead& old = pin->head;
  if (absl::Status s = ledger::VerifyTreeHead(*current, pin->public_pem); !s.ok()) {
    return Inconsistent(
        absl::StrCat("the hub's current tree head (log ", current->log_id,
                     ") is not signed by the pinned ledger key (log ", old.log_id, "): ", s.message()),
        o.json);
  }
  if (current->head.tree_size < old.head.tree_size) {
    return Inconsistent(absl::StrCat("the hub's ledger now has ", current->head.tree_size, " entries (",
                                     Describe(*current), "), fewer than the ", old.head.tree_size,
                                     " in the head you pinned (", Describe(old), "): entries were removed"),
                        o.json);
  }
  auto proof = client->Consistency(old.head.tree_size, current->head.tree_size);
  if (!proof.ok()) {
    if (proof.status().code() == absl::StatusCode::kInvalidArgument) {
      return Inconsistent(std::string(proof.status().message()), o.json);
    }
    return FailStatus(proof.status());
  }
  if (absl::Status s = ledger::VerifyConsistency(old.head.tree_size, current->head.tree_size, old.head.root,
                                                 current->head.root, *proof);
      !s.ok()) {
    return Inconsistent(
        absl::StrCat("the hub's current tree (", Describe(*current),
                     ") does not extend the head you pinned (", Describe(old), "): the first ",
                     old.head.tree_size, " entries were changed after you pinned them (", s.message(), ")"),
        o.json);
  }
  if (o.update) {
    Pin next{hub.target, pin->public_pem, *current};
    if (absl::Status s = WriteFile(o.pin, PinToJson(next), 0644, true); !s.ok()) return FailStatus(s);
  }
  if (o.json) {
    std::cout << Json{{"ok", true},
                      {"pinned_size", old.head.tree_size},
                      {"current_size", current->head.tree_size},
                      {"current_root_hash", ledger::HashToHex(current->head.root)},
                      {"current_timestamp", Rfc3339(current->head.timestamp)},
                      {"log_id", old.log_id},
                      {"pin_updated", o.update}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Consistent: the hub's ledger grew from " << old.head.tree_size << " to "
              << current->head.tree_size << " entries without changing any of the " << old.head.tree_size
              << " you pinned (current head " << Describe(*current) << ")"
              << (o.update ? "; pin moved to the current head" : "") << "\n";
  }
  return kExitOk;
}

}  // namespace accord::ctl
