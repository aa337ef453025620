#include "key_commands.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "accord/hub/pki/identity.h"
#include "accord/policy/signing.h"
#include "accord/v1/key_service.grpc.pb.h"
#include "exit_codes.h"
#include "files.h"
#include "hub_client.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

using Json = nlohmann::ordered_json;

struct KeyChangeOptions {
  HubOptions hub;
  std::string signing_key;  // private key file (register/rotate)
  std::string key;          // revoke: fingerprint or public key file
  std::string reason;
  bool json = false;
};

struct KeyListOptions {
  HubOptions hub;
  std::string agency;
  bool json = false;
};

struct KeyExportOptions {
  HubOptions hub;
  std::string out;
  bool force = false;
};

int Fail(absl::string_view message, int code = kExitUsage) {
  std::cerr << "accordctl: " << message << "\n";
  return code;
}

std::string Utc(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

// The agency this command acts as: the id in the client certificate (or --as).
absl::StatusOr<std::string> OwnAgency(const HubOptions& o) {
  if (o.insecure_dev) {
    if (o.agency.empty()) return absl::InvalidArgumentError("--as AGENCY is required with --insecure-dev");
    return o.agency;
  }
  if (o.cert.empty()) return absl::InvalidArgumentError("--cert (your agency's client certificate) is required");
  auto pem = ReadFile(o.cert, 1 << 20);
  if (!pem.ok()) return pem.status();
  auto id = hub::pki::AgencyIdFromCertPem(*pem);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(o.cert, " names no agency id: ", id.status().message()));
  }
  return id;
}

void PrintEvent(const v1::KeyEventResponse& resp, bool json) {
  const v1::KeyEvent& e = resp.event();
  if (json) {
    std::cout << Json{{"agency", e.agency()},
                      {"kind", v1::KeyEvent::Kind_Name(e.kind())},
                      {"fingerprint", e.key_fingerprint()},
                      {"previous_fingerprint", e.previous_fingerprint()},
                      {"at", Utc(e.at())},
                      {"unchanged", resp.unchanged()},
                      {"log_index", resp.log_index()}}
                     .dump(2)
              << "\n";
    return;
  }
  if (resp.unchanged()) {
    std::cout << "'" << e.agency() << "' already holds key " << e.key_fingerprint()
              << " on the hub; nothing changed.\n";
    return;
  }
  switch (e.kind()) {
    case v1::KeyEvent::REGISTER:
      std::cout << "Registered signing key " << e.key_fingerprint() << " for '" << e.agency() << "'";
      break;
    case v1::KeyEvent::ROTATE:
      std::cout << "Rotated '" << e.agency() << "' from " << e.previous_fingerprint() << " to "
                << e.key_fingerprint();
      break;
    case v1::KeyEvent::REVOKE:
      std::cout << "Revoked key " << e.key_fingerprint() << " of '" << e.agency()
                << "': no signature made with it counts any more";
      break;
    default: break;
  }
  std::cout << " (key log entry " << resp.log_index() << ", " << Utc(e.at()) << ")\n";
}

int RunKeyChange(const KeyChangeOptions& o, v1::KeyEvent::Kind kind) {
  auto agency = OwnAgency(o.hub);
  if (!agency.ok()) return Fail(agency.status().message());
  v1::RegisterKeyRequest reg;
  v1::RevokeKeyRequest revoke;
  if (kind == v1::KeyEvent::REVOKE) {
    std::string fp = o.key;
    if (fp.rfind("sha256:", 0) != 0) {
      auto pem = ReadFile(o.key, 64 * 1024);
      if (!pem.ok()) return Fail(pem.status().message());
      auto computed = policy::PublicKeyFingerprint(*pem);
      if (!computed.ok()) return Fail(absl::StrCat(o.key, " ", computed.status().message()));
      fp = *computed;
    }
    revoke.set_agency(*agency);
    revoke.set_key_fingerprint(fp);
    revoke.set_reason(o.reason);
  } else {
    auto private_pem = ReadFile(o.signing_key, 64 * 1024);
    if (!private_pem.ok()) return Fail(private_pem.status().message());
    auto public_pem = policy::PublicKeyFromPrivate(*private_pem);
    if (!public_pem.ok()) {
      return Fail(absl::StrCat(o.signing_key, ": ", public_pem.status().message(),
                               " (give your PRIVATE signing key from `accordctl keygen`: it never "
                               "leaves this machine, it only signs a proof that you hold it)"));
    }
    auto proof = policy::SignKeyRegistration(*agency, *private_pem);
    if (!proof.ok()) return Fail(absl::StrCat(o.signing_key, ": ", proof.status().message()));
    reg.set_agency(*agency);
    reg.set_public_key_pem(*public_pem);
    reg.set_proof_of_possession(*proof);
    reg.set_reason(o.reason);
  }
  auto channel = Connect(o.hub);
  if (!channel.ok()) return Fail(channel.status().message());
  auto stub = v1::KeyService::NewStub(*channel);
  grpc::ClientContext ctx;
  Prepare(o.hub, &ctx);
  v1::KeyEventResponse resp;
  grpc::Status s = kind == v1::KeyEvent::REGISTER ? stub->RegisterKey(&ctx, reg, &resp)
                   : kind == v1::KeyEvent::ROTATE ? stub->RotateKey(&ctx, reg, &resp)
                                                  : stub->RevokeKey(&ctx, revoke, &resp);
  if (!s.ok()) return FailRpc(s);
  PrintEvent(resp, o.json);
  return kExitOk;
}

int RunKeyList(const KeyListOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) return Fail(channel.status().message());
  auto stub = v1::KeyService::NewStub(*channel);
  grpc::ClientContext ctx;
  Prepare(o.hub, &ctx);
  v1::ListKeysRequest req;
  req.set_agency(o.agency);
  v1::ListKeysResponse resp;
  grpc::Status s = stub->ListKeys(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s);
  if (o.json) {
    Json keys = Json::array();
    for (const auto& k : resp.keys()) {
      keys.push_back(Json{{"agency", k.agency()},
                          {"fingerprint", k.fingerprint()},
                          {"status", k.status()},
                          {"registered_at", Utc(k.registered_at())},
                          {"retired_at", k.has_retired_at() ? Utc(k.retired_at()) : ""},
                          {"revoked_at", k.has_revoked_at() ? Utc(k.revoked_at()) : ""},
                          {"revoke_reason", k.revoke_reason()}});
    }
    std::cout << Json{{"keys", keys},
                      {"log_id", resp.head().log_id()},
                      {"log_size", resp.head().tree_size()}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  if (resp.keys().empty()) std::cout << "No agency has registered a signing key yet.\n";
  for (const auto& k : resp.keys()) {
    std::cout << k.agency() << "  " << k.status() << "  " << k.fingerprint() << "\n  registered "
              << Utc(k.registered_at());
    if (k.has_retired_at()) std::cout << ", replaced " << Utc(k.retired_at());
    if (k.has_revoked_at()) {
      std::cout << ", revoked " << Utc(k.revoked_at())
                << (k.revoke_reason().empty() ? "" : absl::StrCat(" (", k.revoke_reason(), ")"));
    }
    std::cout << "\n";
  }
  std::cout << "Key log " << resp.head().log_id() << ": " << resp.head().tree_size() << " events\n";
  return kExitOk;
}

int RunKeyExport(const KeyExportOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) return Fail(channel.status().message());
  auto stub = v1::KeyService::NewStub(*channel);
  grpc::ClientContext ctx;
  Prepare(o.hub, &ctx);
  v1::KeyLogExport exported;
  grpc::Status s = stub->ExportKeyLog(&ctx, v1::ExportKeyLogRequest(), &exported);
  if (!s.ok()) return FailRpc(s);
  exported.set_source(o.hub.target);
  // Check before writing: an export that does not verify is not worth keeping.
  auto verified = hub::VerifyKeyLogExport(exported);
  if (!verified.ok()) {
    return Fail(absl::StrCat("the hub's key log does not verify: ", verified.status().message()),
                kExitTampered);
  }
  if (auto w = WriteFile(o.out, exported.SerializeAsString(), 0644, o.force); !w.ok()) {
    return Fail(absl::StrCat(w.message(), o.force ? "" : " (add --force to replace it)"));
  }
  std::cout << "Exported the key log to " << o.out << ": " << DescribeKeyLog(o.out, *verified) << "\n";
  return kExitOk;
}

}  // namespace

absl::StatusOr<hub::VerifiedKeyLog> LoadKeyLogFile(const std::string& path,
                                                   const std::string& expect_key_path) {
  auto bytes = ReadFile(path, 64 << 20);
  if (!bytes.ok()) return bytes.status();
  v1::KeyLogExport exported;
  if (!exported.ParseFromString(*bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a key log export (make one with `accordctl key export`)"));
  }
  std::string expect;
  if (!expect_key_path.empty()) {
    auto pem = ReadFile(expect_key_path, 64 * 1024);
    if (!pem.ok()) return pem.status();
    expect = *pem;
  }
  auto verified = hub::VerifyKeyLogExport(exported, expect);
  if (!verified.ok()) {
    return absl::Status(verified.status().code(), absl::StrCat(path, ": ", verified.status().message()));
  }
  return verified;
}

std::string DescribeKeyLog(const std::string& path, const hub::VerifiedKeyLog& log) {
  return absl::StrCat("key log ", path, " (", log.log_id, "): ", log.size, " events, ",
                      log.keys.keys.size(), " keys, signed head verified",
                      log.size > 0 ? absl::StrCat(" (", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", log.head_time,
                                                                         absl::UTCTimeZone()), ")")
                                   : "");
}

void AddKeyCommands(CLI::App& app, int* rc, const AddHubOptions& add_hub_options) {
  auto* key = app.add_subcommand(
      "key", "Your agency's agreement-signing key on the hub: only signatures with the key your agency "
             "registered (with its own certificate) count");
  key->require_subcommand(1);

  static KeyChangeOptions reg, rotate, revoke;
  static KeyListOptions list;
  static KeyExportOptions exp;

  auto* reg_cmd = key->add_subcommand(
      "register", "Register your agency's Ed25519 signing key (the private key file from accordctl "
                  "keygen; only a proof that you hold it is sent)");
  add_hub_options(reg_cmd, &reg.hub, true);
  reg_cmd->add_option("signing_key", reg.signing_key, "Your PRIVATE signing key (PREFIX.key)")
      ->required()->check(CLI::ExistingFile);
  reg_cmd->add_option("--reason", reg.reason, "Why (recorded in the key log)");
  reg_cmd->add_flag("--json", reg.json, "Machine-readable output");
  reg_cmd->callback([rc] { *rc = RunKeyChange(reg, v1::KeyEvent::REGISTER); });

  auto* rot_cmd = key->add_subcommand(
      "rotate", "Replace your agency's signing key at once (signatures the hub already accepted stay "
                "valid; new ones need the new key)");
  add_hub_options(rot_cmd, &rotate.hub, true);
  rot_cmd->add_option("signing_key", rotate.signing_key, "Your NEW private signing key")
      ->required()->check(CLI::ExistingFile);
  rot_cmd->add_option("--reason", rotate.reason, "Why (recorded in the key log)");
  rot_cmd->add_flag("--json", rotate.json, "Machine-readable output");
  rot_cmd->callback([rc] { *rc = RunKeyChange(rotate, v1::KeyEvent::ROTATE); });

  auto* rev_cmd = key->add_subcommand(
      "revoke", "Revoke one of your agency's keys at once (e.g. compromised): no signature made with "
                "it counts any more, so agreements it signed become pending_signatures");
  add_hub_options(rev_cmd, &revoke.hub, true);
  rev_cmd->add_option("key", revoke.key, "The key: its fingerprint sha256:... or its public key file")
      ->required();
  rev_cmd->add_option("--reason", revoke.reason, "Why (recorded in the key log)")->required();
  rev_cmd->add_flag("--json", revoke.json, "Machine-readable output");
  rev_cmd->callback([rc] { *rc = RunKeyChange(revoke, v1::KeyEvent::REVOKE); });

  auto* list_cmd = key->add_subcommand("list", "Every agency's registered keys and their history");
  add_hub_options(list_cmd, &list.hub, true);
  list_cmd->add_option("--agency", list.agency, "Only this agency's keys");
  list_cmd->add_flag("--json", list.json, "Machine-readable output");
  list_cmd->callback([rc] { *rc = RunKeyList(list); });

  auto* exp_cmd = key->add_subcommand(
      "export", "Save the hub's key log (every registration, rotation and revocation, with its signed "
                "head) for offline checks: agreement verify --keys, audit verify --keys");
  add_hub_options(exp_cmd, &exp.hub, true);
  exp_cmd->add_option("--out,-o", exp.out, "The file to write")->required();
  exp_cmd->add_flag("--force", exp.force, "Replace an existing file");
  exp_cmd->callback([rc] { *rc = RunKeyExport(exp); });
}

}  // namespace accord::ctl
