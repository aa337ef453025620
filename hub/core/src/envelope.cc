#include "envelope.h"

namespace accord::hub {

void CopyEnvelope(const v1::CleanedRecord& from, v1::CleanedRecord* to) {
  to->set_delivery_id(from.delivery_id());
  to->set_agreement_id(from.agreement_id());
  to->set_agreement_version(from.agreement_version());
  to->set_agreement_fingerprint(from.agreement_fingerprint());
  to->set_flow_id(from.flow_id());
  to->set_provider(from.provider());
  to->set_recipient(from.recipient());
  to->set_dataset(from.dataset());
  to->set_dataset_version(from.dataset_version());
  to->set_record_ref(from.record_ref());
  if (from.has_event_time()) {
    *to->mutable_event_time() = from.event_time();
  } else {
    to->clear_event_time();
  }
  if (to->fields_size() != 0) to->clear_fields();
  to->set_area(from.area());
}

}  // namespace accord::hub
