#include "flow_test_data.h"

#include "absl/strings/str_cat.h"

namespace accord::policy::testdata {

std::string LinkageAgreementYaml(const std::string& id) {
  return absl::StrCat(R"yaml(id: )yaml", id, R"yaml(
version: 2
title: "Repeat victimisation (test)"
purpose: "Identify repeat victims of violence across police and A&E"
legal_basis: "Crime and Disorder Act 1998 s115; UK GDPR Art 6(1)(e); Art 9(2)(g)"
valid_from: 2020-01-01
valid_until: 2099-12-31
review_by: 2098-01-01
retention_days: 730
small_number_threshold: 5
parties:
  - id: herts-police
    name: "Test Police"
    role: provider
    contact: "ig@police.example"
    signing_key_fingerprint: sha256:1111111111111111111111111111111111111111111111111111111111111111
  - id: nhs-lister-ae
    name: "Test A&E"
    role: provider
    contact: "ig@ae.example"
    signing_key_fingerprint: sha256:2222222222222222222222222222222222222222222222222222222222222222
  - id: csp-herts-analyst
    name: "Test CSP"
    role: recipient
    contact: "analyst@csp.example"
    signing_key_fingerprint: sha256:3333333333333333333333333333333333333333333333333333333333333333
datasets:
  - name: incident
    version: 1
    fields:
      - {name: incident_ref, type: string, class: non_personal, required: true}
      - {name: category, type: category, class: non_personal, required: true, values: [assault, robbery, criminal_damage]}
      - {name: victim_name, type: name, class: direct_identifier}
      - {name: nhs_number, type: nhs_number, class: direct_identifier}
      - {name: phone, type: phone, class: direct_identifier}
      - {name: email, type: email, class: direct_identifier}
      - {name: date_of_birth, type: date, class: direct_identifier}
      - {name: postcode, type: postcode, class: quasi_identifier}
      - {name: location, type: geo_point, class: quasi_identifier}
      - {name: occurred, type: datetime, class: quasi_identifier}
      - {name: weapon, type: category, class: non_personal, values: [none, knife, blunt, glass, other]}
      - {name: injury_severity, type: integer, class: non_personal}
      - {name: alcohol_involved, type: boolean, class: non_personal}
      - {name: officer_id, type: string, class: non_personal}
      - {name: vehicle_reg, type: string, class: direct_identifier}
      - {name: narrative, type: free_text, class: sensitive}
flows:
  - id: police-to-csp
    from: herts-police
    to: [csp-herts-analyst]
    dataset: incident
    mode: depersonalised
    event_time: hour
    area: postcode
    fields:
      incident_ref: keep
      category: keep
      victim_name: pseudonymise
      nhs_number: pseudonymise
      phone: pseudonymise
      email: pseudonymise
      date_of_birth: {generalise: age_band, bands: [0, 18, 25, 35, 50, 65]}
      postcode: {generalise: sector}
      location: {generalise: grid, metres: 500}
      occurred: {generalise: hour}
      weapon: keep
      injury_severity: keep
      alcohol_involved: keep
      vehicle_reg: drop
      narrative: redact
  - id: ae-to-csp
    from: nhs-lister-ae
    to: [csp-herts-analyst]
    dataset: incident
    mode: depersonalised
    event_time: hour
    area: postcode
    fields:
      incident_ref: keep
      category: keep
      victim_name: pseudonymise
      nhs_number: pseudonymise
      phone: pseudonymise
      email: pseudonymise
      date_of_birth: {generalise: age_band, bands: [0, 18, 25, 35, 50, 65]}
      postcode: {generalise: sector}
      location: {generalise: grid, metres: 500}
      occurred: {generalise: hour}
      weapon: keep
      injury_severity: keep
      alcohol_involved: keep
      vehicle_reg: drop
      narrative: redact
)yaml");
}

v1::Record TypicalRecord(const std::string& provider, int n) {
  v1::Record r;
  r.set_provider(provider);
  r.set_dataset("incident");
  r.set_dataset_version(1);
  r.set_record_id(absl::StrCat("INC-", n));
  r.mutable_event_time()->set_seconds(1795000000 + n);  // 2026-11-18
  auto text = [&](const char* name, std::string v) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(std::move(v));
  };
  text("incident_ref", absl::StrCat("41/", 100000 + n, "/26"));
  text("category", "assault");
  text("victim_name", "John Smith");
  text("nhs_number", "943 476 5919");
  text("phone", "07700 900123");
  text("email", "john.smith@example.com");
  auto* dob = r.add_fields();
  dob->set_name("date_of_birth");
  dob->mutable_value()->set_date("1990-03-14");
  text("postcode", "AL1 3XY");
  auto* loc = r.add_fields();
  loc->set_name("location");
  loc->mutable_value()->mutable_geo()->set_lat(51.7505);
  loc->mutable_value()->mutable_geo()->set_lon(-0.3420);
  auto* occurred = r.add_fields();
  occurred->set_name("occurred");
  occurred->mutable_value()->mutable_datetime()->set_seconds(1795000000 + n - 1800);
  text("weapon", "glass");
  auto* sev = r.add_fields();
  sev->set_name("injury_severity");
  sev->mutable_value()->set_integer(3);
  auto* alc = r.add_fields();
  alc->set_name("alcohol_involved");
  alc->mutable_value()->set_boolean(true);
  text("officer_id", "PC 4417");
  text("vehicle_reg", "AB12 CDE");
  // ~300 characters.
  text("narrative",
       "Victim SMITH, John (DOB 14/03/1990) was assaulted with a glass outside The Crown, George "
       "Street AL1 3XY at closing time. He called from 07700 900123 and was taken to Lister A&E. "
       "Suspect left in vehicle AB12 CDE heading north. Witness gave e-mail john.smith@example.com "
       "by mistake; NHS no 943 476 5919 noted.");
  return r;
}

}  // namespace accord::policy::testdata
