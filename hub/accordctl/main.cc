// accordctl: the command line for information officers and administrators.
#include <iostream>

#include "CLI/CLI.hpp"
#include "accord/ops/cli.h"
#include "commands.h"
#include "exit_codes.h"
#include "open_command.h"
#include "key_commands.h"
#include "quarantine_commands.h"

namespace {

constexpr char kExitCodeHelp[] =
    "Exit codes: 0 OK; 1 usage or file error; 2 invalid document; 3 unsigned or bad "
    "signature; 4 not in force (expired, not yet valid, withdrawn); 5 audit: ledger tampered "
    "with, or its history rewritten since a pinned head.";

}  // namespace

int main(int argc, char** argv) {
  using namespace accord::ctl;
  int rc = kExitOk;
  CLI::App app{"accordctl: draft, check, sign and verify Accord information-sharing agreements, and "
               "check the hub's disclosure ledger"};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  accord::ops::AddVersionFlag(app, "accordctl");

  KeygenOptions keygen;
  auto* keygen_cmd = app.add_subcommand(
      "keygen", "Create a key pair: Ed25519 for signing agreements, X25519 to receive encrypted fields");
  keygen_cmd->add_option("--out,-o", keygen.out_prefix,
                         "Path prefix: writes PREFIX.key (private, mode 0600) and PREFIX.pub")
      ->required();
  keygen_cmd->add_option("--type,-t", keygen.type, "ed25519 (default) or x25519")
      ->check(CLI::IsMember({"ed25519", "x25519"}));
  keygen_cmd->add_flag("--force", keygen.force, "Replace existing key files");
  keygen_cmd->add_flag("--json", keygen.json, "Machine-readable output");
  keygen_cmd->callback([&] { rc = RunKeygen(keygen); });

  AddOpenCommand(app, &rc);

  auto* agreement = app.add_subcommand("agreement", "Work with agreement documents (YAML)");
  agreement->require_subcommand(1);

  AgreementFileOptions lint, fingerprint, show;
  auto* lint_cmd = agreement->add_subcommand(
      "lint", "Check documents and report every problem with file:line (exit 2 if invalid)");
  lint_cmd->add_option("files", lint.files, "Agreement files")->required()->check(CLI::ExistingFile);
  lint_cmd->add_flag("--json", lint.json, "Machine-readable output");
  lint_cmd->callback([&] { rc = RunLint(lint); });

  auto* fp_cmd = agreement->add_subcommand(
      "fingerprint", "Print the SHA-256 fingerprint of the agreement's canonical form (what parties sign)");
  fp_cmd->add_option("files", fingerprint.files, "Agreement files")->required()->check(CLI::ExistingFile);
  fp_cmd->add_flag("--json", fingerprint.json, "Machine-readable output");
  fp_cmd->callback([&] { rc = RunFingerprint(fingerprint); });

  auto* show_cmd = agreement->add_subcommand(
      "show", "Summarise who sends what to whom, field by field, with each field's treatment");
  show_cmd->add_option("files", show.files, "Agreement files")->required()->check(CLI::ExistingFile);
  show_cmd->add_flag("--json", show.json, "Machine-readable output");
  show_cmd->callback([&] { rc = RunShow(show); });

  SignOptions sign;
  auto* sign_cmd = agreement->add_subcommand(
      "sign", "Sign the agreement's fingerprint with your party's Ed25519 key (adds to its signatures)");
  sign_cmd->add_option("file", sign.file, "Agreement file")->required()->check(CLI::ExistingFile);
  sign_cmd->add_option("--key,-k", sign.key, "Your private key (from accordctl keygen)")
      ->required()->check(CLI::ExistingFile);
  sign_cmd->add_option("--party,-p", sign.party, "Party you sign for (default: found from the key)");
  sign_cmd->add_option("--output,-o", sign.output, "Write the signed document here (default: in place)");
  sign_cmd->add_flag("--json", sign.json, "Machine-readable output");
  sign_cmd->callback([&] { rc = RunSign(sign); });

  VerifyOptions verify;
  auto* verify_cmd = agreement->add_subcommand(
      "verify", "Who has signed, who is missing, and whether the agreement is in force now (and why not)");
  verify_cmd->add_option("file", verify.file, "Agreement file")->required()->check(CLI::ExistingFile);
  verify_cmd->add_option("--withdrawal,-w", verify.withdrawals, "Signed withdrawal files to take into account")
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--at", verify.at, "Evaluate at this RFC 3339 time instead of now");
  verify_cmd->add_flag("--json", verify.json, "Machine-readable output");
  verify_cmd->add_option("--keys", verify.keys,
                         "Check signatures against the agencies' registered keys in this key log "
                         "(from accordctl key export) instead of the keys written in the document")
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--expect-key-log-key", verify.expect_key_log_key,
                         "Fail unless the key log is signed with this public key (PEM)")
      ->check(CLI::ExistingFile);
  verify_cmd->callback([&] { rc = RunVerify(verify); });

  DiffOptions diff;
  auto* diff_cmd = agreement->add_subcommand(
      "diff", "What each recipient gains or loses, field by field, between two versions");
  diff_cmd->add_option("old", diff.old_file, "The version in force")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("new", diff.new_file, "The proposed version")->required()->check(CLI::ExistingFile);
  diff_cmd->add_flag("--json", diff.json, "Machine-readable output");
  diff_cmd->callback([&] { rc = RunDiff(diff); });

  SetKeyOptions set_key;
  auto* set_key_cmd = agreement->add_subcommand(
      "set-key", "Put a party's public key into the document (removes signatures that it invalidates)");
  set_key_cmd->add_option("file", set_key.file, "Agreement file")->required()->check(CLI::ExistingFile);
  set_key_cmd->add_option("--party,-p", set_key.party, "Party id")->required();
  set_key_cmd->add_option("--public-key", set_key.public_key, "Public key PEM file")
      ->required()->check(CLI::ExistingFile);
  set_key_cmd->add_flag("--encryption", set_key.encryption,
                        "Set the X25519 encryption_key instead of the signing key");
  set_key_cmd->add_option("--output,-o", set_key.output, "Write here (default: in place)");
  set_key_cmd->callback([&] { rc = RunSetKey(set_key); });

  WithdrawOptions withdraw;
  auto* withdraw_cmd = agreement->add_subcommand(
      "withdraw", "Write a signed statement that your party withdraws from the agreement");
  withdraw_cmd->add_option("file", withdraw.file, "Agreement file")->required()->check(CLI::ExistingFile);
  withdraw_cmd->add_option("--key,-k", withdraw.key, "Your private key")->required()->check(CLI::ExistingFile);
  withdraw_cmd->add_option("--party,-p", withdraw.party, "Party (default: found from the key)");
  withdraw_cmd->add_option("--reason,-r", withdraw.reason, "Why the party withdraws")->required();
  withdraw_cmd->add_option("--effective", withdraw.effective, "RFC 3339 time it takes effect (default: now)");
  withdraw_cmd->add_option("--output,-o", withdraw.output, "Write here (default: stdout)");
  withdraw_cmd->callback([&] { rc = RunWithdraw(withdraw); });

  auto* pki = app.add_subcommand("pki", "A development PKI for mTLS between agencies and the hub");
  pki->require_subcommand(1);
  PkiInitOptions pki_init;
  auto* pki_init_cmd = pki->add_subcommand(
      "init", "Create a CA, the hub's certificate and one client certificate per agency");
  pki_init_cmd->add_option("--dir,-d", pki_init.dir, "Directory to write (keys get mode 0600)")->required();
  pki_init_cmd->add_option("--hub-name", pki_init.hub_name, "The hub's certificate name (default accord-hub)");
  pki_init_cmd->add_option("--agency,-a", pki_init.agencies, "An agency id (repeat for each agency)")
      ->required();
  pki_init_cmd->add_flag("--force", pki_init.force, "Replace existing files");
  pki_init_cmd->callback([&] { rc = RunPkiInit(pki_init); });
  PkiAddAgencyOptions pki_add;
  auto* pki_add_cmd = pki->add_subcommand("add-agency", "Issue a certificate for one more agency");
  pki_add_cmd->add_option("--dir,-d", pki_add.dir, "Directory holding ca.crt and ca.key")->required();
  pki_add_cmd->add_option("agency", pki_add.agency, "The agency id")->required();
  pki_add_cmd->add_flag("--force", pki_add.force, "Replace existing files");
  pki_add_cmd->callback([&] { rc = RunPkiAddAgency(pki_add); });
  PkiRevokeOptions pki_revoke;
  auto* pki_revoke_cmd = pki->add_subcommand(
      "revoke", "Revoke certificates the dev CA issued: writes DIR/ca.crl, the certificate revocation "
                "list the officers' console reads with --crl");
  pki_revoke_cmd->add_option("--dir,-d", pki_revoke.dir, "Directory holding ca.crt and ca.key")->required();
  pki_revoke_cmd->add_option("certs", pki_revoke.certs, "Certificate files (PEM) to revoke")->required();
  pki_revoke_cmd->add_option("--days", pki_revoke.days, "How long the list is valid (default 30)")
      ->check(CLI::Range(1, 366));
  pki_revoke_cmd->callback([&] { rc = RunPkiRevoke(pki_revoke); });

  auto add_hub_options = [](CLI::App* cmd, HubOptions* h, bool required = true) {
    auto* hub_opt = cmd->add_option("--hub", h->target, "The hub's address HOST:PORT");
    if (required) hub_opt->required();
    cmd->add_option("--ca", h->ca, "CA certificate that issued the hub's certificate (PEM)");
    cmd->add_option("--cert", h->cert, "Your agency's client certificate (PEM)");
    cmd->add_option("--key", h->key, "Your agency's client key (PEM)");
    cmd->add_flag("--insecure-dev", h->insecure_dev, "Plaintext to a hub started with --insecure-dev");
    cmd->add_option("--as", h->agency, "Agency id to claim in --insecure-dev mode");
  };
  SubmitOptions submit;
  auto* submit_cmd = agreement->add_subcommand(
      "submit", "Send signed agreements (or, with --withdrawal, withdrawals) to a running hub");
  add_hub_options(submit_cmd, &submit.hub);
  submit_cmd->add_option("files", submit.files, "Agreement or withdrawal files")->required()
      ->check(CLI::ExistingFile);
  submit_cmd->add_flag("--withdrawal", submit.withdrawal, "The files are signed withdrawals");
  submit_cmd->callback([&] { rc = RunSubmit(submit); });

  ListOptions list;
  auto* list_cmd = agreement->add_subcommand("list", "The hub's agreements, with status and reason");
  add_hub_options(list_cmd, &list.hub);
  list_cmd->add_flag("--json", list.json, "Machine-readable output");
  list_cmd->callback([&] { rc = RunList(list); });

  auto* audit = app.add_subcommand(
      "audit", "Check the hub's disclosure ledger: export it, verify it (offline or online), prove one "
               "entry, pin a signed head and later check the hub never rewrote it");
  audit->require_subcommand(1);

  AuditExportOptions audit_export;
  auto* audit_export_cmd = audit->add_subcommand(
      "export", "Save the hub's whole ledger (entries, every signed head, the ledger public key) to a "
                "file in the open accord.ledger-export.v1 format (hub/ledger/README.md)");
  add_hub_options(audit_export_cmd, &audit_export.hub);
  audit_export_cmd->add_option("--out,-o", audit_export.out, "The export file to write")->required();
  audit_export_cmd->add_flag("--force", audit_export.force, "Replace an existing file");
  audit_export_cmd->add_flag("--json", audit_export.json, "Machine-readable output");
  audit_export_cmd->callback([&] { rc = RunAuditExport(audit_export); });

  AuditVerifyOptions audit_verify;
  auto* audit_verify_cmd = audit->add_subcommand(
      "verify", "Recompute the ledger from an export file (--file, offline) or a running hub (--hub): "
                "every signed head, consistency between heads, every entry (exit 5 naming the first "
                "altered, removed, inserted or reordered entry)");
  add_hub_options(audit_verify_cmd, &audit_verify.hub, /*required=*/false);
  auto* verify_file_opt = audit_verify_cmd->add_option("--file,-f", audit_verify.file,
                                                       "Verify this export file offline (from audit export)");
  verify_file_opt->excludes(audit_verify_cmd->get_option("--hub"));
  audit_verify_cmd->add_option("--expect-key", audit_verify.expect_key,
                               "Fail unless the ledger is signed with this public key (PEM)");
  audit_verify_cmd->add_option("--pin", audit_verify.pins,
                               "Also require the head in this pin file (from audit pin; repeatable): "
                               "catches a log rewritten and re-signed after the pin")
      ->check(CLI::ExistingFile);
  audit_verify_cmd->add_flag("--json", audit_verify.json, "Machine-readable output");
  audit_verify_cmd->add_option("--keys", audit_verify.keys,
                               "Also verify this key log export (from accordctl key export): who held "
                               "which signing key when")
      ->check(CLI::ExistingFile);
  audit_verify_cmd->callback([&] { rc = RunAuditVerify(audit_verify); });

  AuditProveOptions audit_prove;
  auto* audit_prove_cmd = audit->add_subcommand(
      "prove", "Fetch one entry's inclusion proof from the hub and check it locally against a signed "
               "tree head (exit 5 if it does not verify)");
  add_hub_options(audit_prove_cmd, &audit_prove.hub);
  audit_prove_cmd->add_option("--index,-i", audit_prove.index, "The entry's index (0-based)")->required();
  audit_prove_cmd->add_option("--tree-size", audit_prove.tree_size,
                              "Prove against the signed head of this size (default: the latest)");
  audit_prove_cmd->add_option("--expect-key", audit_prove.expect_key,
                              "The ledger public key (PEM) heads must be signed with (default: the hub's)");
  audit_prove_cmd->add_option("--pin", audit_prove.pin, "Prove against the head in this pin file")
      ->check(CLI::ExistingFile);
  audit_prove_cmd->add_flag("--json", audit_prove.json, "Machine-readable output");
  audit_prove_cmd->callback([&] { rc = RunAuditProve(audit_prove); });

  AuditPinOptions audit_pin;
  auto* audit_pin_cmd = audit->add_subcommand(
      "pin", "Save the hub's latest signed tree head (signature checked) with its key to a pin file");
  add_hub_options(audit_pin_cmd, &audit_pin.hub);
  audit_pin_cmd->add_option("--out,-o", audit_pin.out, "The pin file to write (JSON)")->required();
  audit_pin_cmd->add_option("--expect-key", audit_pin.expect_key,
                            "The ledger public key (PEM) to pin (default: trust the hub's on first use)");
  audit_pin_cmd->add_flag("--force", audit_pin.force, "Replace an existing pin file");
  audit_pin_cmd->add_flag("--json", audit_pin.json, "Machine-readable output");
  audit_pin_cmd->callback([&] { rc = RunAuditPin(audit_pin); });

  AuditCheckConsistencyOptions audit_consistency;
  auto* audit_consistency_cmd = audit->add_subcommand(
      "check-consistency", "Fetch the hub's current signed head and a consistency proof from the pinned "
                           "one; exit 5 if the hub rewrote, removed or re-signed history since the pin");
  add_hub_options(audit_consistency_cmd, &audit_consistency.hub, /*required=*/false);
  audit_consistency_cmd->add_option("--pin", audit_consistency.pin, "The pin file (from audit pin)")
      ->required()->check(CLI::ExistingFile);
  audit_consistency_cmd->add_flag("--update", audit_consistency.update,
                                  "On success, move the pin to the hub's current head");
  audit_consistency_cmd->add_flag("--json", audit_consistency.json, "Machine-readable output");
  audit_consistency_cmd->callback([&] { rc = RunAuditCheckConsistency(audit_consistency); });

  AddKeyCommands(app, &rc, [&](CLI::App* cmd, HubOptions* h, bool required) {
    add_hub_options(cmd, h, required);
  });
  AddQuarantineCommands(app, &rc, [&](CLI::App* cmd, HubOptions* h, bool required) {
    add_hub_options(cmd, h, required);
  });

  // Usage errors (an unknown command is named) exit kExitUsage, as the table says.
  if (auto code = accord::ops::ParseCommandLine(app, argc, argv, kExitUsage)) return *code;
  return rc;
}
