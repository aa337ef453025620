// accordctl subcommands. Each returns the process exit code (exit_codes.h)
// and writes its own output; none throws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace accord::ctl {

struct KeygenOptions {
  std::string out_prefix;       // writes <prefix>.key (0600) and <prefix>.pub
  std::string type = "ed25519"; // ed25519 (signing) | x25519 (encryption)
  bool force = false;
  bool json = false;
};
int RunKeygen(const KeygenOptions& o);

struct AgreementFileOptions {
  std::vector<std::string> files;
  bool json = false;
};
int RunLint(const AgreementFileOptions& o);
int RunFingerprint(const AgreementFileOptions& o);
int RunShow(const AgreementFileOptions& o);

struct SignOptions {
  std::string file;
  std::string key;     // private key PEM path
  std::string party;   // optional: inferred from the key
  std::string output;  // default: sign in place
  bool json = false;
};
int RunSign(const SignOptions& o);

struct VerifyOptions {
  std::string file;
  std::vector<std::string> withdrawals;
  std::string at;      // RFC 3339; default now
  bool json = false;
  std::string keys;    // key log export: judge signatures by registered keys
  std::string expect_key_log_key;  // optional PEM the key log must be signed with
};
int RunVerify(const VerifyOptions& o);

struct DiffOptions {
  std::string old_file;
  std::string new_file;
  bool json = false;
};
int RunDiff(const DiffOptions& o);

struct SetKeyOptions {
  std::string file;
  std::string party;
  std::string public_key;  // PEM path
  bool encryption = false; // set encryption_key (X25519) instead of signing_key
  std::string output;      // default: in place
};
int RunSetKey(const SetKeyOptions& o);

struct WithdrawOptions {
  std::string file;        // the agreement
  std::string key;         // the withdrawing party's private key
  std::string party;       // optional: inferred from the key
  std::string reason;
  std::string effective;   // RFC 3339; default now
  std::string output;      // default: stdout
};
int RunWithdraw(const WithdrawOptions& o);

struct PkiInitOptions {
  std::string dir;
  std::string hub_name = "accord-hub";
  std::vector<std::string> agencies;
  bool force = false;
};
int RunPkiInit(const PkiInitOptions& o);

struct PkiAddAgencyOptions {
  std::string dir;
  std::string agency;
  bool force = false;
};
int RunPkiAddAgency(const PkiAddAgencyOptions& o);

struct PkiRevokeOptions {
  std::string dir;
  std::vector<std::string> certs;
  int days = 30;
};
int RunPkiRevoke(const PkiRevokeOptions& o);

// How to reach a running hub.
struct HubOptions {
  std::string target;      // HOST:PORT
  std::string ca, cert, key;
  bool insecure_dev = false;
  std::string agency;      // identity to claim in insecure-dev mode
  int timeout_seconds = 30;
};

struct SubmitOptions {
  HubOptions hub;
  std::vector<std::string> files;
  bool withdrawal = false;
};
int RunSubmit(const SubmitOptions& o);

struct ListOptions {
  HubOptions hub;
  bool json = false;
};
int RunList(const ListOptions& o);

// accordctl audit ... : see hub/ledger/README.md ("Checking the ledger").
struct AuditExportOptions {
  HubOptions hub;
  std::string out;         // the export file (format "accord.ledger-export.v1")
  bool force = false;      // replace an existing file
  bool json = false;
};
int RunAuditExport(const AuditExportOptions& o);

struct AuditVerifyOptions {
  HubOptions hub;          // online: export from this hub and verify
  std::string file;        // offline: verify this export file (exactly one of the two)
  std::string expect_key;  // optional pinned ledger public key PEM
  std::vector<std::string> pins;  // pin files whose heads must also hold
  bool json = false;
  std::string keys;        // optional key log export to verify too
};
int RunAuditVerify(const AuditVerifyOptions& o);

struct AuditProveOptions {
  HubOptions hub;
  uint64_t index = 0;
  uint64_t tree_size = 0;  // 0 = the latest signed head (or the pinned one with --pin)
  std::string expect_key;  // optional ledger public key PEM
  std::string pin;         // optional pin file: prove against its head and key
  bool json = false;
};
int RunAuditProve(const AuditProveOptions& o);

struct AuditPinOptions {
  HubOptions hub;
  std::string out;         // the pin file (JSON)
  std::string expect_key;  // optional ledger public key PEM (default: trust on first use)
  bool force = false;
  bool json = false;
};
int RunAuditPin(const AuditPinOptions& o);

struct AuditCheckConsistencyOptions {
  HubOptions hub;
  std::string pin;
  bool update = false;     // on success, move the pin to the hub's current head
  bool json = false;
};
int RunAuditCheckConsistency(const AuditCheckConsistencyOptions& o);

}  // namespace accord::ctl
