#include "accord/policy/signing.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "accord/policy/canonical.h"
#include "accord/policy/openssl.h"
#include "accord/base/status_macros.h"

namespace accord::policy {
namespace {

// Debian's Abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct Pem {
  std::string label;
  std::string der;
};

// Decodes the single PEM block in `text`. Never includes key bytes in errors.
absl::StatusOr<Pem> DecodePem(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  size_t begin = text.find(kBegin);
  if (begin == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "is not a PEM key (it should start with -----BEGIN PUBLIC KEY-----)");
  }
  size_t label_start = begin + kBegin.size();
  size_t label_end = text.find("-----", label_start);
  if (label_end == std::string_view::npos || label_end - label_start > 40) {
    return absl::InvalidArgumentError("is not a well-formed PEM block");
  }
  Pem pem;
  pem.label = std::string(text.substr(label_start, label_end - label_start));
  std::string end_marker = absl::StrCat("-----END ", pem.label, "-----");
  size_t body_start = label_end + 5;
  size_t end = text.find(end_marker, body_start);
  if (end == std::string_view::npos) {
    return absl::InvalidArgumentError("is a PEM block without its -----END line");
  }
  std::string body;
  for (char c : text.substr(body_start, end - body_start)) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) body.push_back(c);
  }
  if (!absl::Base64Unescape(body, &pem.der) || pem.der.empty()) {
    return absl::InvalidArgumentError("is a PEM block whose base64 body is damaged");
  }
  return pem;
}

std::string EncodePem(std::string_view label, std::string_view der) {
  std::string b64 = absl::Base64Escape(Sv(der));
  std::string out = absl::StrCat("-----BEGIN ", Sv(label), "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
  absl::StrAppend(&out, "-----END ", Sv(label), "-----\n");
  return out;
}

std::string_view KeyTypeName(KeyType t) { return t == KeyType::kEd25519 ? "Ed25519" : "X25519"; }

std::string DescribeKey(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "an RSA key";
    case EVP_PKEY_EC: return "an EC (e.g. P-256) key";
    case EVP_PKEY_ED25519: return "an Ed25519 key";
    case EVP_PKEY_X25519: return "an X25519 key";
    case EVP_PKEY_ED448: return "an Ed448 key";
    case EVP_PKEY_DSA: return "a DSA key";
    default: return "a key of an unsupported type";
  }
}

absl::StatusOr<EvpPkeyPtr> LoadPublicKey(std::string_view pem_text) {
  ACCORD_ASSIGN_OR_RETURN(Pem pem, DecodePem(pem_text));
  if (pem.label.find("PRIVATE KEY") != std::string::npos) {
    return absl::InvalidArgumentError(
        "is a PRIVATE key: private keys must never appear in an agreement. Remove it, treat "
        "it as compromised, and paste the PUBLIC key instead");
  }
  if (pem.label == "RSA PUBLIC KEY") {
    return absl::InvalidArgumentError("is an RSA public key; Accord keys must be Ed25519 or X25519");
  }
  if (pem.label != "PUBLIC KEY") {
    return absl::InvalidArgumentError(
        "is a PEM block of the wrong kind (expected -----BEGIN PUBLIC KEY-----)");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(pem.der.data());
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(pem.der.size())));
  if (key == nullptr || p != reinterpret_cast<const unsigned char*>(pem.der.data()) + pem.der.size()) {
    return OpenSslError("is not a readable public key", absl::StatusCode::kInvalidArgument);
  }
  return key;
}

absl::StatusOr<EvpPkeyPtr> LoadPrivateKey(std::string_view pem_text) {
  ACCORD_ASSIGN_OR_RETURN(Pem pem, DecodePem(pem_text));
  if (pem.label == "ENCRYPTED PRIVATE KEY") {
    return absl::InvalidArgumentError(
        "the private key is password-protected; decrypt it first (openssl pkey -in KEY -out "
        "PLAIN)");
  }
  if (pem.label != "PRIVATE KEY") {
    return absl::InvalidArgumentError(
        "is not a private key (expected -----BEGIN PRIVATE KEY-----)");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(pem.der.data());
  EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pem.der.size())));
  if (key == nullptr) {
    return OpenSslError("the private key is not readable", absl::StatusCode::kInvalidArgument);
  }
  return key;
}

absl::StatusOr<std::string> PublicDer(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return OpenSslError("encoding public key");
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != len) return OpenSslError("encoding public key");
  return der;
}

absl::StatusOr<KeyPair> Generate(const char* type) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  if (key == nullptr) return OpenSslError("generating key");
  int len = i2d_PrivateKey(key.get(), nullptr);
  if (len <= 0) return OpenSslError("encoding private key");
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PrivateKey(key.get(), &p) != len) return OpenSslError("encoding private key");
  KeyPair pair;
  pair.private_pem = EncodePem("PRIVATE KEY", der);
  OPENSSL_cleanse(der.data(), der.size());
  ACCORD_ASSIGN_OR_RETURN(std::string pub, PublicDer(key.get()));
  pair.public_pem = EncodePem("PUBLIC KEY", pub);
  return pair;
}

absl::StatusOr<std::string> Ed25519Sign(EVP_PKEY* key, std::string_view message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    return OpenSslError("initialising Ed25519 signing");
  }
  std::string sig(64, '\0');
  size_t sig_len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      sig_len != 64) {
    return OpenSslError("Ed25519 signing");
  }
  return sig;
}

bool Ed25519Verify(EVP_PKEY* key, std::string_view message, std::string_view sig) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    (void)OpenSslError("initialising Ed25519 verification");  // drain the error queue
    return false;
  }
  bool ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                             sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                             message.size()) == 1;
  if (!ok) (void)OpenSslError("Ed25519 verification");  // drain the error queue
  return ok;
}

std::string SignatureMessage(const std::array<uint8_t, 32>& fingerprint) {
  return absl::StrCat(Sv(kSignatureDomain),
                      absl::string_view(reinterpret_cast<const char*>(fingerprint.data()), 32));
}

// "sha256:<hex>" -> 32 bytes.
std::optional<std::array<uint8_t, 32>> FingerprintFromText(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() != kPrefix.size() + 64 || text.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string hex(text.substr(kPrefix.size()));
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::string bytes = absl::HexStringToBytes(hex);
  std::array<uint8_t, 32> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// The Ed25519 public key PEM that signatures of `party` must verify with.
absl::StatusOr<std::string> PartyVerificationKey(const Party& party, std::string_view carried_pem) {
  if (!party.signing_key_pem.empty()) return party.signing_key_pem;
  if (carried_pem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "party '", party.id,
        "' lists only a signing_key_fingerprint, and the signature carries no public_key"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string fp, PublicKeyFingerprint(carried_pem, KeyType::kEd25519));
  if (fp != party.signing_key_fingerprint) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the public_key carried by the signature of '", party.id,
        "' is not the key whose fingerprint the agreement lists for that party"));
  }
  return std::string(carried_pem);
}

}  // namespace

absl::StatusOr<KeyPair> GenerateEd25519KeyPair() { return Generate("ED25519"); }
absl::StatusOr<KeyPair> GenerateX25519KeyPair() { return Generate("X25519"); }

absl::StatusOr<std::string> PublicKeyFingerprint(std::string_view public_pem) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPublicKey(public_pem));
  int id = EVP_PKEY_get_base_id(key.get());
  if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_X25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("is ", DescribeKey(key.get()), "; Accord keys must be Ed25519 or X25519"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicDer(key.get()));
  return Sha256Text(Sha256(der));
}

absl::StatusOr<std::string> PublicKeyFingerprint(std::string_view public_pem, KeyType expected) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPublicKey(public_pem));
  int want = expected == KeyType::kEd25519 ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
  if (EVP_PKEY_get_base_id(key.get()) != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is ", DescribeKey(key.get()), "; it must be an ", Sv(KeyTypeName(expected)),
        " public key (create one with `accordctl keygen",
        expected == KeyType::kX25519 ? " --type x25519" : "", "`)"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicDer(key.get()));
  return Sha256Text(Sha256(der));
}

absl::StatusOr<std::string> PublicKeyFromPrivate(std::string_view private_pem) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPrivateKey(private_pem));
  int id = EVP_PKEY_get_base_id(key.get());
  if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_X25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the private key is ", DescribeKey(key.get()), "; Accord keys are Ed25519 or X25519"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicDer(key.get()));
  return EncodePem("PUBLIC KEY", der);
}

absl::StatusOr<Signature> SignAgreement(const Agreement& agreement, std::string_view party,
                                        std::string_view private_pem, absl::Time now) {
  const Party* p = agreement.FindParty(party);
  if (p == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", Sv(party), "' is not a party to agreement '", agreement.id, "'"));
  }
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPrivateKey(private_pem));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signing key is ", DescribeKey(key.get()), "; agreements are signed with Ed25519"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicDer(key.get()));
  std::string key_fp = Sha256Text(Sha256(der));
  if (key_fp != p->signing_key_fingerprint) {
    return absl::PermissionDeniedError(absl::StrCat(
        "this private key does not belong to party '", p->id, "': its public key has fingerprint ",
        key_fp, ", but the agreement lists ", p->signing_key_fingerprint));
  }
  std::array<uint8_t, 32> fp = FingerprintBytes(agreement);
  ACCORD_ASSIGN_OR_RETURN(std::string sig, Ed25519Sign(key.get(), SignatureMessage(fp)));
  Signature s;
  s.party = p->id;
  s.fingerprint = Sha256Text(fp);
  s.signed_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone());
  s.signature_b64 = absl::Base64Escape(Sv(sig));
  if (p->signing_key_pem.empty()) s.public_key_pem = EncodePem("PUBLIC KEY", der);
  return s;
}

absl::Status VerifySignature(const Agreement& agreement, const Signature& signature) {
  const Party* p = agreement.FindParty(signature.party);
  if (p == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("a signature is by '", signature.party, "', which is not a party"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string pem, PartyVerificationKey(*p, signature.public_key_pem));
  if (!p->signing_key_pem.empty() && !signature.public_key_pem.empty()) {
    absl::StatusOr<std::string> carried = PublicKeyFingerprint(signature.public_key_pem);
    if (!carried.ok() || *carried != p->signing_key_fingerprint) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the signature of '", p->id, "' carries a public key that is not the party's"));
    }
  }
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPublicKey(pem));
  std::string sig;
  if (!absl::Base64Unescape(signature.signature_b64, &sig) || sig.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("the signature of '", p->id, "' is not a base64 Ed25519 signature"));
  }
  std::array<uint8_t, 32> current = FingerprintBytes(agreement);
  std::string current_text = Sha256Text(current);
  if (signature.fingerprint != current_text) {
    std::optional<std::array<uint8_t, 32>> claimed = FingerprintFromText(signature.fingerprint);
    if (claimed && Ed25519Verify(key.get(), SignatureMessage(*claimed), sig)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "party '", p->id, "' signed fingerprint ", signature.fingerprint,
          ", but the agreement's fingerprint is now ", current_text,
          ": the agreement was changed after it was signed, so the party must review and sign "
          "again"));
    }
    return absl::PermissionDeniedError(absl::StrCat(
        "the signature of '", p->id,
        "' does not verify with the party's signing key (forged, damaged or made with another "
        "key)"));
  }
  if (!Ed25519Verify(key.get(), SignatureMessage(current), sig)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the signature of '", p->id,
        "' does not verify with the party's signing key (forged, damaged or made with another "
        "key)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Withdrawal> SignWithdrawal(Withdrawal w, std::string_view private_pem) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPrivateKey(private_pem));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signing key is ", DescribeKey(key.get()), "; withdrawals are signed with Ed25519"));
  }
  ACCORD_ASSIGN_OR_RETURN(
      std::string sig,
      Ed25519Sign(key.get(), absl::StrCat(Sv(kWithdrawalDomain), CanonicalWithdrawalBytes(w))));
  w.signature_b64 = absl::Base64Escape(Sv(sig));
  return w;
}

absl::Status VerifyWithdrawal(const Agreement& agreement, const Withdrawal& w) {
  if (w.agreement_id != agreement.id || w.version != agreement.version) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the withdrawal is from agreement '", w.agreement_id, "' version ", w.version,
        ", not '", agreement.id, "' version ", agreement.version));
  }
  if (w.fingerprint != Fingerprint(agreement)) {
    return absl::InvalidArgumentError(
        "the withdrawal names a different fingerprint: it is about another text of this "
        "agreement");
  }
  const Party* p = agreement.FindParty(w.party);
  if (p == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("the withdrawal is by '", w.party, "', which is not a party"));
  }
  std::string carried;
  if (p->signing_key_pem.empty()) {
    for (const Signature& s : agreement.signatures) {
      if (s.party != p->id || s.public_key_pem.empty()) continue;
      absl::StatusOr<std::string> fp = PublicKeyFingerprint(s.public_key_pem, KeyType::kEd25519);
      if (fp.ok() && *fp == p->signing_key_fingerprint) {
        carried = s.public_key_pem;
        break;
      }
    }
  }
  ACCORD_ASSIGN_OR_RETURN(std::string pem, PartyVerificationKey(*p, carried));
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPublicKey(pem));
  std::string sig;
  if (w.signature_b64.empty()) {
    return absl::InvalidArgumentError("the withdrawal is not signed");
  }
  if (!absl::Base64Unescape(w.signature_b64, &sig) || sig.size() != 64) {
    return absl::InvalidArgumentError("the withdrawal's signature is not base64 Ed25519");
  }
  if (!Ed25519Verify(key.get(), absl::StrCat(Sv(kWithdrawalDomain), CanonicalWithdrawalBytes(w)),
                     sig)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the withdrawal does not verify with the signing key of '", p->id, "'"));
  }
  return absl::OkStatus();
}

// ---- Registered keys ----

const RegisteredSigningKey* KeyDirectory::CurrentKey(std::string_view agency, absl::Time at) const {
  for (const RegisteredSigningKey& k : keys) {
    if (k.agency == agency && k.registered_at <= at && at < k.retired_at && at < k.revoked_at) {
      return &k;
    }
  }
  return nullptr;
}

const RegisteredSigningKey* KeyDirectory::Find(std::string_view agency,
                                               std::string_view fingerprint) const {
  for (const RegisteredSigningKey& k : keys) {
    if (k.agency == agency && k.fingerprint == fingerprint) return &k;
  }
  return nullptr;
}

bool KeyDirectory::HasAny(std::string_view agency) const {
  for (const RegisteredSigningKey& k : keys) {
    if (k.agency == agency) return true;
  }
  return false;
}

namespace {

std::string KeyRegistrationMessage(std::string_view agency, std::string_view fingerprint) {
  return absl::StrCat(Sv(kKeyRegistrationDomain), Sv(agency), std::string(1, '\0'), Sv(fingerprint));
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string NotRegistered(std::string_view party, std::string_view why) {
  return absl::StrCat("'", Sv(party), "' has not signed with its registered key: ", Sv(why));
}

// Which of `party`'s registered keys verifies `message`/`sig`, or null.
const RegisteredSigningKey* VerifyingKey(const KeyDirectory& keys, std::string_view party,
                                         std::string_view message, std::string_view sig) {
  for (const RegisteredSigningKey& k : keys.keys) {
    if (k.agency != party) continue;
    absl::StatusOr<EvpPkeyPtr> key = LoadPublicKey(k.public_pem);
    if (key.ok() && Ed25519Verify(key->get(), message, sig)) return &k;
  }
  return nullptr;
}

// Whether key `k` may vouch for something the hub accepted at `accepted_at`,
// judged at `now`; the officer-readable reason when not.
absl::Status KeyUsable(const RegisteredSigningKey& k, absl::Time accepted_at, absl::Time now,
                       std::string_view what) {
  if (now >= k.revoked_at || accepted_at >= k.revoked_at) {
    return absl::PermissionDeniedError(NotRegistered(
        k.agency, absl::StrCat(Sv(what), " was made with key ", k.fingerprint, ", which '", k.agency,
                               "' revoked at ", Utc(k.revoked_at),
                               k.revoke_reason.empty() ? "" : absl::StrCat(" (", k.revoke_reason, ")"),
                               "; it must sign again with its current registered key")));
  }
  if (accepted_at != absl::InfinitePast() && accepted_at >= k.retired_at) {
    return absl::PermissionDeniedError(NotRegistered(
        k.agency, absl::StrCat(Sv(what), " was made with key ", k.fingerprint, ", which '", k.agency,
                               "' replaced by a rotation at ", Utc(k.retired_at),
                               "; it must sign again with its current key")));
  }
  return absl::OkStatus();
}

absl::Status NoKeyVerifies(const KeyDirectory& keys, std::string_view party, std::string_view what) {
  if (!keys.HasAny(party)) {
    return absl::PermissionDeniedError(NotRegistered(
        party, absl::StrCat("'", Sv(party),
                            "' has registered no signing key with the hub. Its information officer "
                            "must run `accordctl key register --key KEY` with the agency's own "
                            "certificate; until then ",
                            Sv(what), " does not count")));
  }
  return absl::PermissionDeniedError(NotRegistered(
      party, absl::StrCat(Sv(what),
                          " does not verify with any key the agency registered (forged, damaged, "
                          "or made with a key written into the document by someone else). Check "
                          "`accordctl key list` and have '",
                          Sv(party), "' sign with its registered key")));
}

}  // namespace

absl::StatusOr<std::string> SignKeyRegistration(std::string_view agency,
                                                std::string_view private_pem) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPrivateKey(private_pem));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signing key is ", DescribeKey(key.get()), "; agency signing keys are Ed25519"));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string der, PublicDer(key.get()));
  return Ed25519Sign(key.get(), KeyRegistrationMessage(agency, Sha256Text(Sha256(der))));
}

absl::Status VerifyKeyRegistration(std::string_view agency, std::string_view public_pem,
                                   std::string_view proof) {
  ACCORD_ASSIGN_OR_RETURN(std::string fp, PublicKeyFingerprint(public_pem, KeyType::kEd25519));
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, LoadPublicKey(public_pem));
  if (proof.size() != 64 || !Ed25519Verify(key.get(), KeyRegistrationMessage(agency, fp), proof)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the proof of possession does not verify: the request was not signed with the private "
        "half of key ",
        fp, " for agency '", Sv(agency), "'"));
  }
  return absl::OkStatus();
}

absl::Status VerifyRegisteredSignature(const Agreement& agreement, const Signature& signature,
                                       const KeyDirectory& keys, absl::Time accepted_at,
                                       absl::Time now, std::string* key_fingerprint) {
  const Party* p = agreement.FindParty(signature.party);
  if (p == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("a signature is by '", signature.party, "', which is not a party"));
  }
  std::string sig;
  if (!absl::Base64Unescape(signature.signature_b64, &sig) || sig.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("the signature of '", p->id, "' is not a base64 Ed25519 signature"));
  }
  std::array<uint8_t, 32> current = FingerprintBytes(agreement);
  std::string current_text = Sha256Text(current);
  if (signature.fingerprint != current_text) {
    std::optional<std::array<uint8_t, 32>> claimed = FingerprintFromText(signature.fingerprint);
    if (claimed && VerifyingKey(keys, p->id, SignatureMessage(*claimed), sig) != nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "party '", p->id, "' signed fingerprint ", signature.fingerprint,
          ", but the agreement's fingerprint is now ", current_text,
          ": the agreement was changed after it was signed, so the party must review and sign "
          "again"));
    }
    return NoKeyVerifies(keys, p->id, "its signature");
  }
  const RegisteredSigningKey* k = VerifyingKey(keys, p->id, SignatureMessage(current), sig);
  if (k == nullptr) return NoKeyVerifies(keys, p->id, "its signature");
  ACCORD_RETURN_IF_ERROR(KeyUsable(*k, accepted_at, now, "its signature"));
  if (key_fingerprint != nullptr) *key_fingerprint = k->fingerprint;
  return absl::OkStatus();
}

absl::Status CheckWithdrawalBinding(const Agreement& agreement, const Withdrawal& w) {
  if (w.agreement_id != agreement.id || w.version != agreement.version) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the withdrawal is from agreement '", w.agreement_id, "' version ", w.version,
        ", not '", agreement.id, "' version ", agreement.version));
  }
  if (w.fingerprint != Fingerprint(agreement)) {
    return absl::InvalidArgumentError(
        "the withdrawal names a different fingerprint: it is about another text of this "
        "agreement");
  }
  if (agreement.FindParty(w.party) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("the withdrawal is by '", w.party, "', which is not a party"));
  }
  return absl::OkStatus();
}

absl::Status VerifyRegisteredWithdrawal(const Agreement& agreement, const Withdrawal& w,
                                        const KeyDirectory& keys, absl::Time accepted_at,
                                        absl::Time now) {
  ACCORD_RETURN_IF_ERROR(CheckWithdrawalBinding(agreement, w));
  std::string sig;
  if (w.signature_b64.empty()) return absl::InvalidArgumentError("the withdrawal is not signed");
  if (!absl::Base64Unescape(w.signature_b64, &sig) || sig.size() != 64) {
    return absl::InvalidArgumentError("the withdrawal's signature is not base64 Ed25519");
  }
  const RegisteredSigningKey* k = VerifyingKey(
      keys, w.party, absl::StrCat(Sv(kWithdrawalDomain), CanonicalWithdrawalBytes(w)), sig);
  if (k == nullptr) return NoKeyVerifies(keys, w.party, "the withdrawal");
  return KeyUsable(*k, accepted_at, now, "the withdrawal");
}

}  // namespace accord::policy
