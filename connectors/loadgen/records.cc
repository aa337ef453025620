#include "records.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace accord::loadgen {
namespace {

constexpr int kTemplates = 512;
constexpr const char* kCategories[] = {"violence_with_injury", "violence_without_injury", "robbery",
                                       "burglary",  "vehicle_crime", "theft", "criminal_damage",
                                       "public_order", "drugs", "other"};
constexpr const char* kFirst[] = {"Alex", "Sam", "Jordan", "Priya", "Tomasz", "Aisling", "Kwame", "Mei"};
constexpr const char* kLast[] = {"Testperson", "Fakename", "Example", "Sampleton", "Dummy", "Madeup"};
constexpr const char* kPostcodes[] = {"AL1 3XY", "AL1 4AB", "AL3 5QT", "SG1 2HN", "WD17 1AP", "HP2 4TX"};

void Add(v1::Record* r, const char* name, v1::Value value) {
  v1::Field* f = r->add_fields();
  f->set_name(name);
  *f->mutable_value() = std::move(value);
}

v1::Value Text(std::string s) {
  v1::Value v;
  v.set_text(std::move(s));
  return v;
}

}  // namespace

std::string SyntheticNhsNumber(uint64_t n) {
  for (uint64_t base = n;; ++base) {
    std::string d = absl::StrFormat("%09d", 400000000 + base % 500000000);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
    const int check = 11 - sum % 11;
    if (check == 10) continue;  // no valid check digit: try the next
    return absl::StrCat(d, check == 11 ? 0 : check);
  }
}

RecordFactory::RecordFactory(std::string provider, std::string run) : run_(std::move(run)) {
  templates_.reserve(kTemplates);
  for (int i = 0; i < kTemplates; ++i) {
    v1::Record r;
    r.set_provider(provider);
    r.set_dataset("incident");
    r.set_dataset_version(1);
    const std::string first = kFirst[i % 8], last = kLast[(i / 8) % 6];
    const std::string postcode = kPostcodes[i % 6];
    const std::string phone = absl::StrFormat("07700 900%03d", i % 1000);
    Add(&r, "incident_ref", Text(absl::StrFormat("LG/%06d/26", i)));
    Add(&r, "category", Text(kCategories[i % 10]));
    v1::Value occurred;
    occurred.mutable_datetime()->set_seconds(1790000000 + i * 3607);
    Add(&r, "occurred_at", occurred);
    v1::Value geo;
    geo.mutable_geo()->set_lat(51.75 + (i % 50) * 0.001);
    geo.mutable_geo()->set_lon(-0.34 + (i % 37) * 0.001);
    Add(&r, "location", geo);
    Add(&r, "postcode", Text(postcode));
    Add(&r, "victim_name", Text(absl::StrCat(first, " ", last)));
    v1::Value dob;
    dob.set_date(absl::StrFormat("%04d-%02d-%02d", 1950 + i % 60, 1 + i % 12, 1 + i % 28));
    Add(&r, "victim_date_of_birth", dob);
    Add(&r, "victim_nhs_number", Text(SyntheticNhsNumber(static_cast<uint64_t>(i) * 7919)));
    Add(&r, "victim_phone", Text(phone));
    Add(&r, "victim_email", Text(absl::StrCat(absl::AsciiStrToLower(first), i, "@example.com")));
    Add(&r, "narrative",
        Text(absl::StrCat("Victim ", last, ", ", first, " was assaulted near ", postcode,
                          " by a male who left in vehicle AB12 CDE. Caller on ", phone, ".")));
    Add(&r, "vehicle_registration", Text("AB12 CDE"));
    v1::Value domestic;
    domestic.set_boolean(i % 4 == 0);
    Add(&r, "domestic_flag", domestic);
    v1::Value loss;
    loss.set_decimal(absl::StrCat(i % 900, ".50"));
    Add(&r, "loss_value", loss);
    v1::Value zero;
    zero.set_integer(0);
    Add(&r, kSequenceField, zero);
    Add(&r, kSentField, zero);
    templates_.push_back(std::move(r));
  }
}

v1::Record RecordFactory::Make(uint64_t sequence, int64_t sent_us) const {
  v1::Record r;
  MakeInto(sequence, sent_us, &r);
  return r;
}

void RecordFactory::MakeInto(uint64_t sequence, int64_t sent_us, v1::Record* r) const {
  r->CopyFrom(templates_[sequence % templates_.size()]);
  r->set_record_id(absl::StrCat(run_, "-", sequence));
  r->mutable_event_time()->set_seconds(1790000000 + static_cast<int64_t>(sequence % 100000) * 60);
  const int n = r->fields_size();
  r->mutable_fields(n - 2)->mutable_value()->set_integer(static_cast<int64_t>(sequence));
  r->mutable_fields(n - 1)->mutable_value()->set_integer(sent_us);
}

bool ReadStamp(const v1::CleanedRecord& record, uint64_t* sequence, int64_t* sent_us) {
  int found = 0;
  for (const v1::Field& f : record.fields()) {
    if (f.name() == kSequenceField) {
      *sequence = static_cast<uint64_t>(f.value().integer());
      ++found;
    } else if (f.name() == kSentField) {
      *sent_us = f.value().integer();
      ++found;
    }
  }
  return found == 2;
}

}  // namespace accord::loadgen
