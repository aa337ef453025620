// CheckMapping: every mismatch between a mapping and the dataset schema of an
// agreement, found before any data is sent (`accord-connect check`).
//
// Errors: the dataset or version is not in the agreement; the provider is not
// a providing party; a mapped field is not in the schema; a field's value
// type cannot carry the schema type (e.g. text into a datetime); a constant,
// default or recoded value is not an allowed category value; a required
// schema field is not mapped. Warnings: schema fields the mapping leaves out,
// category fields whose source values are not recoded (checked per row by
// the hub).
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "accord/policy/agreement.h"
#include "mapping.h"

namespace accord::connect {

struct CheckReport {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  bool ok() const { return errors.empty(); }
};

CheckReport CheckMapping(const Mapping& mapping, const policy::Agreement& agreement);

// The value kind a schema type is sent as (text for string, name, postcode,
// category, free_text, ...).
ValueKind KindForType(policy::FieldType type);

}  // namespace accord::connect
