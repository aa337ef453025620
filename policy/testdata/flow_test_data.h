// Test and benchmark fixtures for the flow engine: a 16-field incident
// dataset shared by police and A&E, with two flows (one per provider).
#pragma once

#include <string>

#include "accord/v1/record.pb.h"

namespace accord::policy::testdata {

// Agreement YAML (unsigned; the engine does not check signatures).
// `id` changes the agreement id (and so its linkage key in tests).
std::string LinkageAgreementYaml(const std::string& id = "isa-test-linkage");

// A 16-field record: 4 pseudonymised (name, nhs, phone, dob->also age band? no:
// name, nhs_number, phone, email), 3 generalised (postcode sector, dob age band,
// location grid), 1 redacted 300-character narrative, the rest kept or dropped.
v1::Record TypicalRecord(const std::string& provider, int n);

}  // namespace accord::policy::testdata
