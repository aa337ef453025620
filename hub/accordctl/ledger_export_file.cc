#include "ledger_export_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "absl/time/clock.h"
#include "accord/base/proto_time.h"
#include "accord/hub/ledger/merkle.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace accord::ctl {

namespace ledger = hub::ledger;
using google::protobuf::io::IstreamInputStream;
using google::protobuf::util::ParseDelimitedFromZeroCopyStream;

absl::StatusOr<ledger::SignedTreeHead> HeadFromProto(const v1::SignedTreeHead& h) {
  ledger::SignedTreeHead sth;
  if (h.root_hash().size() != sth.head.root.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the tree head of size ", h.tree_size(), " has a ",
                                                   h.root_hash().size(), "-byte root hash, not 32"));
  }
  sth.head.tree_size = h.tree_size();
  std::copy(h.root_hash().begin(), h.root_hash().end(), sth.head.root.begin());
  sth.head.timestamp =
      base::ToTime(h.timestamp());
  sth.log_id = h.log_id();
  sth.signature = h.signature();
  return sth;
}

void HeadToProto(const ledger::SignedTreeHead& sth, v1::SignedTreeHead* out) {
  out->set_tree_size(sth.head.tree_size);
  out->set_root_hash(sth.head.root.data(), sth.head.root.size());
  const int64_t ms = ledger::ToUnixMillisFloor(sth.head.timestamp);
  const int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  out->mutable_timestamp()->set_seconds(seconds);
  out->mutable_timestamp()->set_nanos(static_cast<int32_t>((ms - seconds * 1000) * 1000000));
  out->set_log_id(sth.log_id);
  out->set_signature(sth.signature);
}

// ---- Writing ----

absl::StatusOr<std::unique_ptr<ExportWriter>> ExportWriter::Create(const std::string& path, bool overwrite) {
  struct stat st;
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(path, " exists (use --force to replace it)"));
  }
  std::unique_ptr<ExportWriter> w(new ExportWriter(path, path + ".partial"));
  w->out_.open(w->partial_, std::ios::binary | std::ios::trunc);
  if (!w->out_) return absl::PermissionDeniedError(absl::StrCat("cannot write ", w->partial_));
  return w;
}

ExportWriter::~ExportWriter() {
  if (!finished_) {
    out_.close();
    std::remove(partial_.c_str());
  }
}

absl::Status ExportWriter::Write(const v1::LedgerExportRecord& record) {
  if (!google::protobuf::util::SerializeDelimitedToOstream(record, &out_) || !out_) {
    return absl::ResourceExhaustedError(absl::StrCat("writing ", partial_, " failed (disk full?)"));
  }
  return absl::OkStatus();
}

absl::Status ExportWriter::WriteHeader(const std::string& public_pem, const std::string& source) {
  v1::LedgerExportRecord r;
  auto* h = r.mutable_header();
  h->set_format(kExportFormat);
  h->set_public_key_pem(public_pem);
  auto log_id = ledger::LogIdFromPublicPem(public_pem);
  if (!log_id.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the hub's ledger key is not an Ed25519 public key: ", log_id.status().message()));
  }
  h->set_log_id(*log_id);
  const absl::Time now = absl::Now();
  h->mutable_exported_at()->set_seconds(absl::ToUnixSeconds(now));
  h->set_source(source);
  return Write(r);
}

absl::Status ExportWriter::WriteEntry(uint64_t index, const std::string& entry_bytes) {
  v1::LedgerExportRecord r;
  auto* e = r.mutable_entry();
  e->set_index(index);
  e->set_entry_bytes(entry_bytes);
  const ledger::Hash leaf = ledger::LeafHash(entry_bytes);
  e->set_leaf_hash(leaf.data(), leaf.size());
  return Write(r);
}

absl::Status ExportWriter::WriteHead(const v1::SignedTreeHead& head) {
  v1::LedgerExportRecord r;
  *r.mutable_head() = head;
  return Write(r);
}

absl::Status ExportWriter::Finish() {
  out_.flush();
  out_.close();
  if (!out_) return absl::ResourceExhaustedError(absl::StrCat("writing ", partial_, " failed (disk full?)"));
  // Durable before it takes its name: the bytes, then the rename.
  const int fd = ::open(partial_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("writing ", partial_, " to disk failed (disk full?)"));
  }
  ::close(fd);
  if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot rename ", partial_, " to ", path_));
  }
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  if (auto s = base::SyncDirectory(dir.empty() ? "." : dir); !s.ok()) return s;
  finished_ = true;
  return absl::OkStatus();
}

// ---- Reading ----

namespace {

absl::Status OpenForRead(const std::string& path, std::ifstream* in) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  in->open(path, std::ios::binary);
  if (!*in) return absl::PermissionDeniedError(absl::StrCat("cannot read ", path));
  return absl::OkStatus();
}

// Reads the next record. True on a record, false at a clean end of file,
// DataLoss if the file ends inside a record or a record does not parse.
absl::StatusOr<bool> NextRecord(IstreamInputStream* stream, uint64_t record_number,
                                v1::LedgerExportRecord* out) {
  bool clean_eof = false;
  // The parse merges into `out`: a field the previous record set and this one
  // leaves at its default (a head's timestamp nanos on a whole second) would
  // otherwise survive.
  out->Clear();
  if (ParseDelimitedFromZeroCopyStream(out, stream, &clean_eof)) return true;
  if (clean_eof) return false;
  return absl::DataLossError(
      absl::StrCat("export file record ", record_number, " is damaged or the file is cut short"));
}

}  // namespace

absl::StatusOr<ExportIndex> ReadExportIndex(const std::string& path) {
  std::ifstream in;
  if (absl::Status s = OpenForRead(path, &in); !s.ok()) return s;
  IstreamInputStream stream(&in);
  ExportIndex index;
  v1::LedgerExportRecord r;
  for (uint64_t n = 0;; ++n) {
    auto more = NextRecord(&stream, n, &r);
    if (!more.ok() && n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is not an accord ledger export (its first record does not parse)"));
    }
    if (!more.ok()) return more.status();
    if (!*more) {
      if (n == 0) return absl::InvalidArgumentError(absl::StrCat(path, " is empty, not a ledger export"));
      return index;
    }
    if (n == 0) {
      if (!r.has_header() || r.header().format() != kExportFormat) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, " is not an accord ledger export (no \"", kExportFormat, "\" header)"));
      }
      index.header = r.header();
      continue;
    }
    switch (r.item_case()) {
      case v1::LedgerExportRecord::kEntry:
        if (!index.heads.empty()) {
          return absl::DataLossError(absl::StrCat("export file record ", n, " is an entry (index ",
                                                  r.entry().index(), ") after the signed heads"));
        }
        ++index.entry_records;
        break;
      case v1::LedgerExportRecord::kHead: {
        auto sth = HeadFromProto(r.head());
        if (!sth.ok())
          return absl::DataLossError(absl::StrCat("export file record ", n, ": ", sth.status().message()));
        index.heads.push_back(*std::move(sth));
        break;
      }
      case v1::LedgerExportRecord::kHeader:
        return absl::DataLossError(absl::StrCat("export file record ", n, " is a second header"));
      default:
        return absl::DataLossError(absl::StrCat("export file record ", n, " is empty or of an unknown kind"));
    }
  }
}

absl::StatusOr<std::unique_ptr<ExportEntryReader>> ExportEntryReader::Open(const std::string& path) {
  std::unique_ptr<ExportEntryReader> r(new ExportEntryReader());
  if (absl::Status s = OpenForRead(path, &r->in_); !s.ok()) return s;
  r->stream_ = std::make_unique<IstreamInputStream>(&r->in_);
  return r;
}

ExportEntryReader::~ExportEntryReader() = default;

absl::StatusOr<bool> ExportEntryReader::Next(ledger::SourceEntry* out) {
  v1::LedgerExportRecord r;
  while (true) {
    auto more = NextRecord(stream_.get(), record_++, &r);
    if (!more.ok() || !*more) return more;
    if (r.has_header()) continue;
    if (!r.has_entry()) return false;  // the heads follow the entries
    out->index = r.entry().index();
    out->bytes = std::move(*r.mutable_entry()->mutable_entry_bytes());
    out->stored_leaf_hash.reset();
    const std::string& leaf = r.entry().leaf_hash();
    if (leaf.size() == ledger::Hash().size()) {
      ledger::Hash h;
      std::copy(leaf.begin(), leaf.end(), h.begin());
      out->stored_leaf_hash = h;
    }
    return true;
  }
}

}  // namespace accord::ctl
