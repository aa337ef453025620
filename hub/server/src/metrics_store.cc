#include "metrics_store.h"

#include "rocksdb/write_batch.h"

namespace accord::hub {

absl::Status RestoreMetrics(const HubDb& db, HubMetrics* metrics) {
  auto saved = db.Get(HubDb::kMeta, kMetricsKey);
  if (absl::IsNotFound(saved.status())) return absl::OkStatus();
  if (!saved.ok()) return saved.status();
  return metrics->RestoreCounters(*saved);
}

absl::Status SaveMetrics(const HubDb& db, const HubMetrics& metrics, bool sync) {
  rocksdb::WriteBatch wb;
  if (auto s = wb.Put(db.cf(HubDb::kMeta), kMetricsKey, metrics.SaveCounters()); !s.ok()) {
    return absl::InternalError(s.ToString());
  }
  return sync ? db.WriteSync(&wb) : db.Write(&wb);
}

}  // namespace accord::hub
