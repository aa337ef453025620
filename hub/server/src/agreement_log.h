// Audit lines for agreement key changes: when a submitted version gives a
// party another signing or encryption key than the version before it, one
// "agreement key_changed" event per party and key (against the highest earlier version stored), naming the acting agency,
// the party and the new key's fingerprint (public keys only; never a value).
//
// Threading: as AgreementRegistry (thread-safe).
#pragma once

#include <string>

#include "accord/hub/core/agreement_registry.h"

namespace accord::hub {

void LogKeyChanges(const AgreementRegistry& registry, const AgreementView& submitted,
                   const std::string& acting_agency);

}  // namespace accord::hub
