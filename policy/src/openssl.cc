#include "accord/policy/openssl.h"

#include <openssl/err.h>

#include <string>

namespace accord::policy {

absl::Status OpenSslError(std::string_view what, absl::StatusCode code) {
  std::string msg(what);
  unsigned long err = 0;
  bool first = true;
  char buf[256];
  while ((err = ERR_get_error()) != 0) {
    ERR_error_string_n(err, buf, sizeof(buf));
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  return absl::Status(code, msg);
}

}  // namespace accord::policy
