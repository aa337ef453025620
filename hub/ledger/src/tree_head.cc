#include "accord/hub/ledger/tree_head.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl_compat.h"
#include "accord/base/status_macros.h"
#include "pem.h"

namespace accord::hub::ledger {
namespace {

constexpr std::string_view kDomain = "accord.tree-head.v1";
constexpr size_t kSignatureSize = 64;
constexpr char kSerialVersion = 0x01;

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

absl::StatusOr<std::string> LogIdFromKey(EVP_PKEY* key) {
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(key));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return policy::OpenSslError("log id: SHA-256");
  }
  return absl::StrCat("sha256:", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), len)));
}

}  // namespace

int64_t ToUnixMillisFloor(absl::Time t) {
  return absl::ToInt64Milliseconds(absl::Floor(t - absl::UnixEpoch(), absl::Milliseconds(1)));
}

std::string TreeHeadSigningInput(const TreeHead& head, std::string_view log_id) {
  std::string out;
  out.reserve(kDomain.size() + log_id.size() + 2 + 16 + 32);
  out.append(kDomain);
  out.push_back('\0');
  out.append(log_id);
  out.push_back('\0');
  AppendBigEndian(head.tree_size, &out);
  AppendBigEndian(static_cast<uint64_t>(ToUnixMillisFloor(head.timestamp)), &out);
  out.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
  return out;
}

absl::StatusOr<std::string> LogIdFromPublicPem(std::string_view public_pem) {
  ACCORD_ASSIGN_OR_RETURN(policy::EvpPkeyPtr key, ParseEd25519PublicPem(public_pem));
  return LogIdFromKey(key.get());
}

absl::StatusOr<std::string> GenerateSigningKeyPem() {
  policy::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return policy::OpenSslError("generate Ed25519 key");
  const int len = i2d_PrivateKey(key.get(), nullptr);
  if (len <= 0) return policy::OpenSslError("encode Ed25519 key");
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PrivateKey(key.get(), &p) != len) return policy::OpenSslError("encode Ed25519 key");
  std::string pem = DerToPem(der, "PRIVATE KEY");
  OPENSSL_cleanse(der.data(), der.size());
  return pem;
}

TreeHeadSigner::TreeHeadSigner(policy::EvpPkeyPtr key, std::string public_pem, std::string log_id)
    : key_(std::move(key)), public_pem_(std::move(public_pem)), log_id_(std::move(log_id)) {}

absl::StatusOr<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::FromPrivatePem(
    std::string_view pem) {
  ACCORD_ASSIGN_OR_RETURN(policy::EvpPkeyPtr key, ParseEd25519PrivatePem(pem));
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(key.get()));
  ACCORD_ASSIGN_OR_RETURN(std::string log_id, LogIdFromKey(key.get()));
  return std::unique_ptr<TreeHeadSigner>(
      new TreeHeadSigner(std::move(key), DerToPem(der, "PUBLIC KEY"), std::move(log_id)));
}

absl::StatusOr<SignedTreeHead> TreeHeadSigner::Sign(const TreeHead& head) const {
  SignedTreeHead sth;
  sth.head = head;
  sth.head.timestamp = absl::FromUnixMillis(ToUnixMillisFloor(head.timestamp));
  sth.log_id = log_id_;
  const std::string tbs = TreeHeadSigningInput(sth.head, log_id_);
  policy::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_.get(), nullptr) !=
          1) {
    return policy::OpenSslError("tree head: sign init");
  }
  sth.signature.resize(kSignatureSize);
  size_t len = sth.signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sth.signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) != 1 ||
      len != kSignatureSize) {
    return policy::OpenSslError("tree head: sign");
  }
  return sth;
}

std::string SerializeSignedTreeHead(const SignedTreeHead& sth) {
  std::string out;
  out.reserve(1 + 16 + 32 + 1 + sth.signature.size() + sth.log_id.size());
  out.push_back(kSerialVersion);
  AppendBigEndian(sth.head.tree_size, &out);
  AppendBigEndian(static_cast<uint64_t>(ToUnixMillisFloor(sth.head.timestamp)), &out);
  out.append(reinterpret_cast<const char*>(sth.head.root.data()), sth.head.root.size());
  out.push_back(static_cast<char>(static_cast<uint8_t>(sth.signature.size())));
  out.append(sth.signature);
  out.append(sth.log_id);
  return out;
}

absl::StatusOr<SignedTreeHead> ParseSignedTreeHead(std::string_view bytes) {
  constexpr size_t kFixed = 1 + 16 + 32 + 1;
  if (bytes.size() < kFixed || bytes[0] != kSerialVersion) {
    return absl::DataLossError("tree head record: bad header");
  }
  SignedTreeHead sth;
  sth.head.tree_size = ReadBigEndian(bytes.substr(1, 8));
  sth.head.timestamp =
      absl::FromUnixMillis(static_cast<int64_t>(ReadBigEndian(bytes.substr(9, 8))));
  std::copy(bytes.begin() + 17, bytes.begin() + 49, sth.head.root.begin());
  const size_t sig_len = static_cast<uint8_t>(bytes[49]);
  if (bytes.size() < kFixed + sig_len) return absl::DataLossError("tree head record: truncated");
  sth.signature = std::string(bytes.substr(kFixed, sig_len));
  sth.log_id = std::string(bytes.substr(kFixed + sig_len));
  return sth;
}

absl::Status VerifyTreeHead(const SignedTreeHead& sth, std::string_view public_pem) {
  ACCORD_ASSIGN_OR_RETURN(policy::EvpPkeyPtr key, ParseEd25519PublicPem(public_pem));
  ACCORD_ASSIGN_OR_RETURN(std::string log_id, LogIdFromKey(key.get()));
  if (sth.log_id != log_id) {
    return absl::PermissionDeniedError("tree head: log_id is not the given key's id");
  }
  if (sth.signature.size() != kSignatureSize) {
    return absl::PermissionDeniedError("tree head: signature is not 64 bytes");
  }
  const std::string tbs = TreeHeadSigningInput(sth.head, sth.log_id);
  policy::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(),
                              nullptr) != 1) {
    return policy::OpenSslError("tree head: verify init");
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sth.signature.data()),
                       sth.signature.size(), reinterpret_cast<const unsigned char*>(tbs.data()),
                       tbs.size());
  if (rc != 1) {
    // Drain the error queue so it does not leak into an unrelated later error.
    (void)policy::OpenSslError("tree head: verify");
    return absl::PermissionDeniedError("tree head: signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace accord::hub::ledger
