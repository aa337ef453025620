// Data-sharing health: the partnership's "record of difficulties", per
// provider agency and dataset, from what this analyst received, plus the
// hub's rejection counters and the agreements' review and expiry dates.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/v1/agreement_service.pb.h"
#include "fact.h"

namespace accord::analyst {

struct DatasetHealth {
  std::string provider;
  std::string dataset;
  int64_t records = 0;
  absl::Time last_event = absl::InfinitePast();
  absl::Time last_received = absl::InfinitePast();
  // Field -> share (0..1) of records without it, for every expected field.
  std::map<std::string, double> missing_rate;
  // Records with an event in the last complete ISO week, and the median of
  // the 8 weeks before it.
  int64_t last_week = 0;
  double usual_week = 0;
  // last_week < half the usual level, with a usual level of at least 4.
  bool volume_drop = false;
};

// `expected_fields`: dataset -> the fields its flows send (from the
// agreements); datasets not in it use the union of fields seen.
std::vector<DatasetHealth> DatasetHealthFigures(
    const std::vector<Fact>& facts, absl::Time as_of,
    const std::map<std::string, std::set<std::string>>& expected_fields = {});

struct AgreementHealth {
  std::string id;
  uint32_t version = 0;
  std::string title;
  std::string valid_until;  // YYYY-MM-DD
  std::string review_by;
  int64_t days_to_review = 0;
  int64_t days_to_expiry = 0;
  // "", "review due in N days", "review overdue", "expires in N days", "expired".
  std::string flag;
};
std::vector<AgreementHealth> AgreementDates(const std::vector<v1::AgreementInfo>& agreements,
                                            absl::Time as_of, int64_t warn_days = 90);

// Rejections by reason from the hub's Prometheus text
// (accord_records_rejected_total{reason="..."} N), hub-wide. InvalidArgument
// if the text is not metrics at all.
absl::StatusOr<std::map<std::string, int64_t>> ParseRejections(const std::string& metrics_text);

// Rejections per publishing agency, dataset and reason
// (accord_records_rejected_by_source_total{agency,dataset,reason} N); the
// hub labels a dataset the agency has no flow for "unknown". Same errors.
struct SourceRejections {
  std::string agency;
  std::string dataset;
  std::string reason;
  int64_t records = 0;
};
absl::StatusOr<std::vector<SourceRejections>> ParseRejectionsBySource(const std::string& metrics_text);

}  // namespace accord::analyst
