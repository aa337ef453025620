#include "agreement_log.h"

#include "accord/ops/logging.h"

namespace accord::hub {

void LogKeyChanges(const AgreementRegistry& registry, const AgreementView& submitted,
                   const std::string& acting_agency) {
  const policy::Agreement& now = *submitted.agreement;
    // The highest earlier version stored here, if any.
  std::shared_ptr<const policy::Agreement> before;
  for (const AgreementView& v : registry.List()) {
    if (v.agreement->id == now.id && v.agreement->version < now.version &&
        (before == nullptr || v.agreement->version > before->version)) {
      before = v.agreement;
    }
  }
  if (before == nullptr) return;
  for (const policy::Party& party : now.parties) {
    const policy::Party* old = before->FindParty(party.id);
    if (old == nullptr) continue;
    auto log = [&](const char* key, const std::string& fingerprint) {
      ops::LogEvent(spdlog::level::warn, "agreement", "key_changed",
                    {{"agency", acting_agency}, {"agreement", now.id}, {"version", now.version},
                     {"party", party.id}, {"key", key}, {"fingerprint", fingerprint}});
    };
    if (old->signing_key_fingerprint != party.signing_key_fingerprint) log("signing", party.signing_key_fingerprint);
    if (old->encryption_key_pem != party.encryption_key_pem) log("encryption", party.encryption_key_pem.empty() ? "" : "changed");
  }
}

}  // namespace accord::hub
