// What the gRPC services share: non-owning pointers to the hub's components.
// Owned by Hub (hub.h), which outlives every service and reactor. The
// services never see the RocksDB instance: they read through components
// (the ledger's storage through `ledger_store`).
#pragma once

#include "accord/hub/core/agreement_registry.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/core/journal.h"
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/policy_stage.h"
#include "accord/hub/core/record_pool.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/server/config.h"
#include "accord/hub/server/metrics.h"
#include "journal_proposals.h"
#include "stream_registry.h"

namespace accord::hub {

struct HubContext {
  const HubConfig* config = nullptr;
  const LedgerStore* ledger_store = nullptr;  // disclosure index, stored-node check
  IngestLog* ingest = nullptr;
  AgreementRegistry* agreements = nullptr;
  FeedNotifier* feeds = nullptr;
  FeedStore* feed_store = nullptr;
  RecordStore* records = nullptr;
  ledger::MerkleLog* ledger = nullptr;
  const ledger::TreeHeadSigner* signer = nullptr;
  HubMetrics* metrics = nullptr;
  StreamRegistry* streams = nullptr;
  // The journal shared with other hub processes (Kafka backend); null when embedded.
  Journal* journal = nullptr;
  // This process's agreement and key changes waiting to be applied from the
  // journal; non-null exactly when `journal` is.
  JournalProposals* proposals = nullptr;
  // Where the Publish decoders take cleared records to parse into (fed by
  // the embedded ingest log's Poll); null with the Kafka backend.
  RecordPool* record_pool = nullptr;
};

}  // namespace accord::hub
