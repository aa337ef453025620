#include "audit_service.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "accord/base/proto_time.h"
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/stored_nodes.h"
#include "spdlog/spdlog.h"
#include "identity.h"

namespace accord::hub {
namespace {

using ledger::Hash;
using ledger::SignedTreeHead;

constexpr uint32_t kMaxPage = 1000;

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

void ToProto(const SignedTreeHead& sth, v1::SignedTreeHead* out) {
  out->set_tree_size(sth.head.tree_size);
  out->set_root_hash(sth.head.root.data(), sth.head.root.size());
  const int64_t ms = ledger::ToUnixMillisFloor(sth.head.timestamp);
  out->mutable_timestamp()->set_seconds(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  out->mutable_timestamp()->set_nanos(static_cast<int32_t>((ms - out->timestamp().seconds() * 1000) * 1000000));
  out->set_log_id(sth.log_id);
  out->set_signature(sth.signature);
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) { return base::ToTime(ts); }

// A server-streaming reactor fed by a pull function: `next` fills the next
// message and returns true, or returns false at the end (setting `status`).
// Each message is produced in OnWriteDone, so the client's pace bounds memory.
template <typename Msg>
class PullReactor final : public grpc::ServerWriteReactor<Msg> {
 public:
  using Next = std::function<bool(Msg* msg, grpc::Status* status)>;
  explicit PullReactor(Next next) : next_(std::move(next)) { WriteNext(); }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::CANCELLED);
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    msg_.Clear();
    grpc::Status status;
    if (next_(&msg_, &status)) {
      this->StartWrite(&msg_);
    } else {
      this->Finish(status);
    }
  }
  Next next_;
  Msg msg_;
};

template <typename Msg>
grpc::ServerWriteReactor<Msg>* Fail(const grpc::Status& status) {
  return new PullReactor<Msg>([status](Msg*, grpc::Status* out) {
    *out = status;
    return false;
  });
}

}  // namespace

grpc::ServerWriteReactor<v1::QueryDisclosuresResponse>* AuditServiceImpl::QueryDisclosures(
    grpc::CallbackServerContext* ctx, const v1::QueryDisclosuresRequest* req) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Fail<v1::QueryDisclosuresResponse>(ToGrpc(caller.status()));
  // A partner sees the disclosures it made or received.
  if (!req->provider().empty() && req->provider() != *caller && !req->recipient().empty() &&
      req->recipient() != *caller) {
    return Fail<v1::QueryDisclosuresResponse>(grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED, "you may query disclosures you made or received"));
  }
  const uint32_t page = req->page_size() == 0 ? 500 : std::min(req->page_size(), kMaxPage);
  const absl::Time from = req->has_from_time() ? FromProto(req->from_time()) : absl::InfinitePast();
  const absl::Time to = req->has_to_time() ? FromProto(req->to_time()) : absl::InfiniteFuture();
  // A range scan of the caller's own entries in the disclosure index
  // (ledger_by_party), from the next unread ledger index.
  const uint64_t size = hub_->ledger->size();
  auto next = std::make_shared<uint64_t>(0);
  return new PullReactor<v1::QueryDisclosuresResponse>(
      [this, req = *req, caller = *caller, page, from, to, size, next](
          v1::QueryDisclosuresResponse* msg, grpc::Status* status) {
        v1::LedgerEntry entry;
        bool damaged = false;
        auto read = hub_->ledger_store->ForEachPartyDisclosure(caller, *next, size, [&](uint64_t i) {
          auto bytes = hub_->ledger->Entry(i);
          if (!bytes.ok() || !entry.ParseFromString(*bytes)) {
            damaged = true;
            return false;
          }
          if (entry.provider() != caller && entry.recipient() != caller) return true;
          if (!req.provider().empty() && entry.provider() != req.provider()) return true;
          if (!req.recipient().empty() && entry.recipient() != req.recipient()) return true;
          if (!req.agreement_id().empty() && entry.agreement_id() != req.agreement_id()) return true;
          const absl::Time t = FromProto(entry.disclosed_at());
          if (t < from || t >= to) return true;
          auto* d = msg->add_disclosures();
          d->set_index(i);
          *d->mutable_entry() = entry;
          return static_cast<uint32_t>(msg->disclosures_size()) < page;
        });
        if (damaged) {
          *status = grpc::Status(grpc::StatusCode::DATA_LOSS, "a ledger entry could not be read");
          return false;
        }
        if (!read.ok()) {
          spdlog::warn("disclosure query: {}", std::string(read.status().message()));
          *status = grpc::Status(absl::IsDataLoss(read.status()) ? grpc::StatusCode::DATA_LOSS
                                                                 : grpc::StatusCode::UNAVAILABLE,
                                 "the disclosure index could not be read");
          return false;
        }
        *next = *read;
        if (msg->disclosures_size() > 0) return true;
        *status = grpc::Status::OK;
        return false;
      });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetTreeHead(grpc::CallbackServerContext* ctx,
                                                        const v1::GetTreeHeadRequest* req,
                                                        v1::SignedTreeHead* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->tree_size() == 0) {
    ToProto(hub_->ledger->LatestHead(), resp);
    return Done(ctx, grpc::Status::OK);
  }
  auto sth = hub_->ledger->HeadAt(req->tree_size());
  if (!sth.ok()) return Done(ctx, ToGrpc(sth.status()));
  ToProto(*sth, resp);
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetInclusionProof(grpc::CallbackServerContext* ctx,
                                                              const v1::GetInclusionProofRequest* req,
                                                              v1::InclusionProof* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  const uint64_t size = req->tree_size() == 0 ? hub_->ledger->LatestHead().head.tree_size : req->tree_size();
  if (req->index() >= size || size > hub_->ledger->size()) {
    return Done(ctx, grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                                  absl::StrCat("index ", req->index(), " is not in a tree of size ", size)));
  }
  auto proof = hub_->ledger->InclusionProof(req->index(), size);
  auto bytes = hub_->ledger->Entry(req->index());
  if (!proof.ok()) return Done(ctx, ToGrpc(proof.status()));
  if (!bytes.ok()) return Done(ctx, ToGrpc(bytes.status()));
  resp->set_index(req->index());
  resp->set_tree_size(size);
  const Hash leaf = ledger::LeafHash(*bytes);
  resp->set_leaf_hash(leaf.data(), leaf.size());
  for (const Hash& h : *proof) resp->add_hashes(h.data(), h.size());
  resp->mutable_entry()->ParseFromString(*bytes);
  resp->set_entry_bytes(*bytes);
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetConsistencyProof(
    grpc::CallbackServerContext* ctx, const v1::GetConsistencyProofRequest* req,
    v1::ConsistencyProof* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->from_size() > req->to_size() || req->to_size() > hub_->ledger->size()) {
    return Done(ctx, grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                                  absl::StrCat("need from_size <= to_size <= ", hub_->ledger->size())));
  }
  auto proof = hub_->ledger->ConsistencyProof(req->from_size(), req->to_size());
  if (!proof.ok()) return Done(ctx, ToGrpc(proof.status()));
  resp->set_from_size(req->from_size());
  resp->set_to_size(req->to_size());
  for (const Hash& h : *proof) resp->add_hashes(h.data(), h.size());
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerWriteReactor<v1::QueryRecordsResponse>* AuditServiceImpl::QueryRecords(
    grpc::CallbackServerContext* ctx, const v1::QueryRecordsRequest* req) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Fail<v1::QueryRecordsResponse>(ToGrpc(caller.status()));
  if (req->dataset().empty()) {
    return Fail<v1::QueryRecordsResponse>(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "dataset is required"));
  }
  auto query = std::make_shared<RecordQuery>();
  query->recipient = *caller;
  query->dataset = req->dataset();
  if (req->has_from_time()) query->from = FromProto(req->from_time());
  if (req->has_to_time()) query->to = FromProto(req->to_time());
  query->area = req->area();
  query->page_size = req->page_size() == 0 ? 500 : std::min(req->page_size(), kMaxPage);
  query->page_token = req->page_token();
  auto done = std::make_shared<bool>(false);
  return new PullReactor<v1::QueryRecordsResponse>(
      [this, query, done](v1::QueryRecordsResponse* msg, grpc::Status* status) {
        if (*done) {
          *status = grpc::Status::OK;
          return false;
        }
        auto page = hub_->records->Query(*query);
        if (!page.ok()) {
          *status = ToGrpc(page.status());
          return false;
        }
        for (auto& r : page->records) *msg->add_records() = std::move(r);
        msg->set_next_page_token(page->next_page_token);
        query->page_token = page->next_page_token;
        *done = page->next_page_token.empty();
        return true;
      });
}

grpc::ServerWriteReactor<v1::ExportLedgerChunk>* AuditServiceImpl::ExportLedger(
    grpc::CallbackServerContext* ctx, const v1::ExportLedgerRequest* req) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Fail<v1::ExportLedgerChunk>(ToGrpc(caller.status()));
  struct State {
    int phase = 0;  // 0 key, 1 entries, 2 heads
    uint64_t index = 0;
    uint64_t size = 0;
    std::vector<SignedTreeHead> heads;
    size_t head_index = 0;
    // Recomputes the stored interior nodes proofs are served from, so that a
    // damaged node fails the export (and `accordctl audit verify`) instead of
    // only the proofs through it.
    std::unique_ptr<ledger::StoredNodeCheck> nodes;
  };
  auto st = std::make_shared<State>();
  st->nodes = hub_->ledger_store->NewNodeCheck();
  st->size = hub_->ledger->LatestHead().head.tree_size;
  return new PullReactor<v1::ExportLedgerChunk>(
      [this, st](v1::ExportLedgerChunk* msg, grpc::Status* status) {
        if (st->phase == 0) {
          msg->set_public_key_pem(hub_->signer->public_pem());
          st->phase = 1;
          return true;
        }
        if (st->phase == 1) {
          if (st->index < st->size) {
            auto bytes = hub_->ledger->Entry(st->index);
            if (!bytes.ok()) {
              *status = ToGrpc(bytes.status());
              return false;
            }
            if (absl::Status nodes = st->nodes->Next(*bytes); !nodes.ok()) {
              *status = grpc::Status(grpc::StatusCode::DATA_LOSS,
                                     absl::StrCat("the hub's ledger is damaged: ", nodes.message(),
                                                  "; restore the hub's data directory from a backup"));
              return false;
            }
            auto* d = msg->mutable_entry();
            d->set_index(st->index++);
            d->mutable_entry()->ParseFromString(*bytes);
            d->set_entry_bytes(*bytes);
            return true;
          }
          auto heads = hub_->ledger->Heads(1, st->size);
          if (!heads.ok()) {
            *status = ToGrpc(heads.status());
            return false;
          }
          st->heads = std::move(heads).value();
          st->phase = 2;
        }
        if (st->head_index < st->heads.size()) {
          ToProto(st->heads[st->head_index++], msg->mutable_head());
          return true;
        }
        *status = grpc::Status::OK;
        return false;
      });
}

}  // namespace accord::hub
