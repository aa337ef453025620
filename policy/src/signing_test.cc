#include "accord/policy/signing.h"

#include <string>

#include "absl/strings/escaping.h"
#include "accord/policy/canonical.h"
#include "gtest/gtest.h"
#include "lint_test_util.h"

namespace accord::policy {
namespace {

using testing::Dump;
using testing::MakeKeyedExample;
using testing::ReadSourceFile;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 9, 30, 0), absl::UTCTimeZone());

Agreement Parse(const std::string& text) {
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << Dump(r.diagnostics);
  return r.ok() ? *r.agreement : Agreement{};
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(KeysTest, GeneratedKeysArePemAndRoundTrip) {
  KeyPair ed = GenerateEd25519KeyPair().value();
  EXPECT_EQ(ed.private_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(ed.public_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(PublicKeyFromPrivate(ed.private_pem).value(), ed.public_pem);
  EXPECT_TRUE(PublicKeyFingerprint(ed.public_pem, KeyType::kEd25519).ok());
  EXPECT_FALSE(PublicKeyFingerprint(ed.public_pem, KeyType::kX25519).ok());
  KeyPair x = GenerateX25519KeyPair().value();
  EXPECT_EQ(PublicKeyFromPrivate(x.private_pem).value(), x.public_pem);
  EXPECT_TRUE(PublicKeyFingerprint(x.public_pem, KeyType::kX25519).ok());
  EXPECT_NE(GenerateEd25519KeyPair()->public_pem, ed.public_pem);
}

TEST(KeysTest, FingerprintKnownVector) {
  // openssl pkey -pubin -outform DER | sha256sum
  constexpr char kPem[] =
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEAkUw7csXEM2Y7ZoOHUEUNyqA7Ll44oB6IZd4ki6pgxv0=\n"
      "-----END PUBLIC KEY-----\n";
  EXPECT_EQ(PublicKeyFingerprint(kPem).value(),
            "sha256:04541ef9aa16a73de8e05ddb2a19baaee496e631cd0dad44f9fdb6945eebfbef");
  // Indentation and blank lines around the PEM do not matter.
  EXPECT_EQ(PublicKeyFingerprint(
                "\n  -----BEGIN PUBLIC KEY-----\n  MCowBQYDK2VwAyEAkUw7csXEM2Y7ZoOHUEUNyqA7Ll44oB6IZd4ki6pgxv0=\n  -----END PUBLIC KEY-----\n\n")
                .value(),
            "sha256:04541ef9aa16a73de8e05ddb2a19baaee496e631cd0dad44f9fdb6945eebfbef");
}

TEST(KeysTest, RejectsOtherKeysAndGarbage) {
  std::string text = ReadSourceFile("policy/testdata/agreements/many-problems.yaml");
  size_t rsa = text.find("-----BEGIN PUBLIC KEY-----");
  std::string rsa_pem = text.substr(rsa, text.find("-----END PUBLIC KEY-----", rsa) + 24 - rsa);
  absl::StatusOr<std::string> fp = PublicKeyFingerprint(rsa_pem);
  ASSERT_FALSE(fp.ok());
  EXPECT_EQ(fp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(fp.status().message().find("is an RSA key"), std::string::npos) << fp.status();
  EXPECT_FALSE(PublicKeyFingerprint("garbage").ok());
  EXPECT_FALSE(PublicKeyFingerprint("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(PublicKeyFingerprint("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(PublicKeyFromPrivate("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
}

TEST(SigningTest, SignAppendReparseVerify) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  EXPECT_TRUE(a.signatures.empty());  // SetPartySigningKey dropped nothing here; none existed
  Signature s1 = SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value();
  EXPECT_EQ(s1.party, "nhs-lister-ae");
  EXPECT_EQ(s1.fingerprint, Fingerprint(a));
  EXPECT_EQ(s1.signed_at, "2026-03-01T09:30:00Z");
  EXPECT_TRUE(s1.public_key_pem.empty());
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(s1.signature_b64, &raw));
  EXPECT_EQ(raw.size(), 64u);
  EXPECT_TRUE(VerifySignature(a, s1).ok());

  std::string signed_text = AppendSignatureYaml(k.text, s1);
  EXPECT_EQ(signed_text.rfind(k.text, 0), 0u);  // the original text, comments and all, is kept
  Signature s2 = SignAgreement(a, "csp-herts-analyst", k.recipient.private_pem, kNow).value();
  signed_text = AppendSignatureYaml(signed_text, s2);
  Agreement b = Parse(signed_text);
  ASSERT_EQ(b.signatures.size(), 2u);
  EXPECT_EQ(Fingerprint(b), Fingerprint(a));
  EXPECT_TRUE(VerifySignature(b, b.signatures[0]).ok());
  EXPECT_TRUE(VerifySignature(b, b.signatures[1]).ok());
  EXPECT_EQ(b.signatures[1].party, "csp-herts-analyst");
}

TEST(SigningTest, WrongKeyCannotSignForParty) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  absl::StatusOr<Signature> s = SignAgreement(a, "nhs-lister-ae", k.recipient.private_pem, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(SignAgreement(a, "nobody", k.provider.private_pem, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SignAgreement(a, "nhs-lister-ae", k.provider.public_pem, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  KeyPair x = GenerateX25519KeyPair().value();
  EXPECT_EQ(SignAgreement(a, "nhs-lister-ae", x.private_pem, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SigningTest, ForgedSignatureIsRejected) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  // A signature made with another key, presented as the provider's.
  Signature forged = SignAgreement(a, "csp-herts-analyst", k.recipient.private_pem, kNow).value();
  forged.party = "nhs-lister-ae";
  absl::Status st = VerifySignature(a, forged);
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_NE(st.message().find("'nhs-lister-ae'"), std::string::npos);
  // A flipped bit.
  Signature s = SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value();
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(s.signature_b64, &raw));
  raw[10] ^= 1;
  s.signature_b64 = absl::Base64Escape(raw);
  EXPECT_EQ(VerifySignature(a, s).code(), absl::StatusCode::kPermissionDenied);
  // Malformed.
  s.signature_b64 = "not base64!";
  EXPECT_EQ(VerifySignature(a, s).code(), absl::StatusCode::kInvalidArgument);
  s.party = "nobody";
  EXPECT_EQ(VerifySignature(a, s).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SigningTest, TamperedAgreementFailsVerification) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  std::string text = AppendSignatureYaml(
      k.text, SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value());
  text = AppendSignatureYaml(
      text, SignAgreement(a, "csp-herts-analyst", k.recipient.private_pem, kNow).value());
  // One field's treatment changed after signing: the date of birth now leaves pseudonymised.
  std::string tampered = Replace(
      text, "date_of_birth: {generalise: age_band, bands: [0, 11, 16, 18, 25, 35, 50, 65]}",
      "date_of_birth: pseudonymise");
  Agreement t = Parse(tampered);
  ASSERT_EQ(t.signatures.size(), 2u);
  for (const Signature& s : t.signatures) {
    absl::Status st = VerifySignature(t, s);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
    EXPECT_NE(st.message().find("changed after it was signed"), std::string::npos);
    EXPECT_NE(st.message().find(s.party), std::string::npos);
  }
}

TEST(SigningTest, FingerprintOnlyPartyCarriesPublicKey) {
  auto k = MakeKeyedExample();
  std::string fp = PublicKeyFingerprint(k.provider.public_pem).value();
  // Replace the provider's signing_key block with its fingerprint.
  std::string text = k.text;
  size_t start = text.find("    signing_key: |", text.find("- id: nhs-lister-ae"));
  size_t end = text.find("-----END PUBLIC KEY-----", start);
  end = text.find('\n', end) + 1;
  text.replace(start, end - start, "    signing_key_fingerprint: " + fp + "\n");
  Agreement a = Parse(text);
  EXPECT_TRUE(a.parties[0].signing_key_pem.empty());
  EXPECT_EQ(a.parties[0].signing_key_fingerprint, fp);
  Signature s = SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value();
  EXPECT_EQ(s.public_key_pem, k.provider.public_pem);
  Agreement b = Parse(AppendSignatureYaml(text, s));
  ASSERT_EQ(b.signatures.size(), 1u);
  EXPECT_TRUE(VerifySignature(b, b.signatures[0]).ok());
  // Without the carried key it cannot be checked; with another key it is refused.
  Signature bare = s;
  bare.public_key_pem.clear();
  EXPECT_EQ(VerifySignature(b, bare).code(), absl::StatusCode::kInvalidArgument);
  Signature other = s;
  other.public_key_pem = k.recipient.public_pem;
  EXPECT_EQ(VerifySignature(b, other).code(), absl::StatusCode::kPermissionDenied);
}

TEST(SigningTest, SetPartySigningKeyKeepsLayoutAndDropsSignatures) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  EXPECT_EQ(a.parties[0].signing_key_fingerprint, PublicKeyFingerprint(k.provider.public_pem).value());
  EXPECT_EQ(a.parties[1].signing_key_fingerprint, PublicKeyFingerprint(k.recipient.public_pem).value());
  // Comments elsewhere survive.
  EXPECT_NE(k.text.find("# links repeat attendances, never the person"), std::string::npos);
  EXPECT_NE(k.text.find("# three years, for trend analysis"), std::string::npos);
  std::string signed_text = AppendSignatureYaml(
      k.text, SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value());
  KeyPair fresh = GenerateEd25519KeyPair().value();
  std::string rekeyed = SetPartySigningKey(signed_text, "nhs-lister-ae", fresh.public_pem).value();
  EXPECT_EQ(rekeyed.find("signatures:"), std::string::npos);
  Agreement b = Parse(rekeyed);
  EXPECT_EQ(b.parties[0].signing_key_fingerprint, PublicKeyFingerprint(fresh.public_pem).value());
  EXPECT_EQ(b.parties[1].signing_key_fingerprint, a.parties[1].signing_key_fingerprint);
  EXPECT_EQ(SetPartySigningKey(k.text, "nobody", fresh.public_pem).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(SetPartySigningKey(k.text, "nhs-lister-ae", GenerateX25519KeyPair()->public_pem)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Replacing a fingerprint-only party's key removes the fingerprint line.
  std::string fp_text = Replace(k.text, "    role: recipient\n",
                                "    role: recipient\n    signing_key_fingerprint: " +
                                    a.parties[1].signing_key_fingerprint + "\n");
  std::string swapped = SetPartySigningKey(fp_text, "csp-herts-analyst", fresh.public_pem).value();
  EXPECT_EQ(swapped.find("signing_key_fingerprint"), std::string::npos);
  EXPECT_EQ(Parse(swapped).parties[1].signing_key_fingerprint,
            PublicKeyFingerprint(fresh.public_pem).value());
}

TEST(SigningTest, SetPartyEncryptionKeyAddsKey) {
  auto k = MakeKeyedExample();
  KeyPair x = GenerateX25519KeyPair().value();
  std::string text = SetPartyEncryptionKey(k.text, "csp-herts-analyst", x.public_pem).value();
  Agreement a = Parse(text);
  EXPECT_EQ(PublicKeyFingerprint(a.parties[1].encryption_key_pem).value(),
            PublicKeyFingerprint(x.public_pem).value());
  EXPECT_TRUE(a.parties[0].encryption_key_pem.empty());
  // Replacing it again edits in place.
  KeyPair y = GenerateX25519KeyPair().value();
  Agreement b = Parse(SetPartyEncryptionKey(text, "csp-herts-analyst", y.public_pem).value());
  EXPECT_EQ(PublicKeyFingerprint(b.parties[1].encryption_key_pem).value(),
            PublicKeyFingerprint(y.public_pem).value());
  EXPECT_NE(Fingerprint(a), Fingerprint(b));
}

TEST(SigningTest, AppendToEmptyListAndUnindentedList) {
  Signature s{"p", "sha256:" + std::string(64, 'a'), "2026-01-01T00:00:00Z", std::string(86, 'A') + "==", "", {}};
  std::string out = AppendSignatureYaml("id: x\nsignatures: []\n", s);
  EXPECT_EQ(out,
            "id: x\nsignatures:\n  - party: \"p\"\n    fingerprint: \"sha256:" + std::string(64, 'a') +
                "\"\n    signed_at: \"2026-01-01T00:00:00Z\"\n    signature: \"" +
                std::string(86, 'A') + "==\"\n");
  std::string unindented = "id: x\nsignatures:\n- party: q\n  fingerprint: f\n# end\n";
  out = AppendSignatureYaml(unindented, s);
  EXPECT_NE(out.find("  fingerprint: f\n- party: \"p\"\n  fingerprint: \"sha256:"), std::string::npos)
      << out;
}

TEST(WithdrawalTest, SignYamlRoundTripVerify) {
  auto k = MakeKeyedExample();
  Agreement a = Parse(k.text);
  Withdrawal w{a.id, a.version, Fingerprint(a), "nhs-lister-ae",
               absl::FromCivil(absl::CivilSecond(2026, 6, 1, 0, 0, 0), absl::UTCTimeZone()),
               "Trust withdrawing: \"data quality\" review", ""};
  Withdrawal signed_w = SignWithdrawal(w, k.provider.private_pem).value();
  EXPECT_FALSE(signed_w.signature_b64.empty());
  std::string yaml = WithdrawalToYaml(signed_w);
  EXPECT_NE(yaml.find("effective: \"2026-06-01T00:00:00+00:00\""), std::string::npos) << yaml;
  Withdrawal back = ParseWithdrawal(yaml, "w.yaml").value();
  EXPECT_EQ(back.agreement_id, a.id);
  EXPECT_EQ(back.version, a.version);
  EXPECT_EQ(back.party, "nhs-lister-ae");
  EXPECT_EQ(back.effective, w.effective);
  EXPECT_EQ(back.reason, w.reason);
  EXPECT_EQ(CanonicalWithdrawalBytes(back), CanonicalWithdrawalBytes(w));
  EXPECT_TRUE(VerifyWithdrawal(a, back).ok());

  // Signed by the wrong party's key.
  Withdrawal forged = SignWithdrawal(w, k.recipient.private_pem).value();
  EXPECT_EQ(VerifyWithdrawal(a, forged).code(), absl::StatusCode::kPermissionDenied);
  // Altered after signing.
  Withdrawal altered = back;
  altered.effective += absl::Hours(1);
  EXPECT_EQ(VerifyWithdrawal(a, altered).code(), absl::StatusCode::kPermissionDenied);
  // Unsigned, other agreement, other party.
  EXPECT_EQ(VerifyWithdrawal(a, w).code(), absl::StatusCode::kInvalidArgument);
  Withdrawal other = back;
  other.version = 2;
  EXPECT_EQ(VerifyWithdrawal(a, other).code(), absl::StatusCode::kInvalidArgument);
  other = back;
  other.party = "nobody";
  EXPECT_EQ(VerifyWithdrawal(a, other).code(), absl::StatusCode::kInvalidArgument);
}

TEST(WithdrawalTest, ParseErrorsHaveLines) {
  absl::StatusOr<Withdrawal> w = ParseWithdrawal(
      "agreement: isa-x\nversion: one\nfingerprint: sha256:zz\nparty: p1\neffective: soon\n", "w.yaml");
  ASSERT_FALSE(w.ok());
  std::string m(w.status().message());
  EXPECT_NE(m.find("w.yaml:2:10: error:"), std::string::npos) << m;
  EXPECT_NE(m.find("w.yaml:3:14: error:"), std::string::npos) << m;
  EXPECT_NE(m.find("w.yaml:5:12: error: effective must be an RFC 3339 time"), std::string::npos) << m;
  EXPECT_NE(m.find("has no 'reason'"), std::string::npos) << m;
  EXPECT_FALSE(ParseWithdrawal("&a x: *a\n", "w").ok());
  EXPECT_FALSE(ParseWithdrawal("{", "w").ok());
  EXPECT_FALSE(ParseWithdrawal(std::string(70000, 'x'), "w").ok());
}

}  // namespace
}  // namespace accord::policy

namespace accord::policy {
namespace {

RegisteredSigningKey Registered(const std::string& agency, const KeyPair& k, absl::Time at) {
  RegisteredSigningKey r;
  r.agency = agency;
  r.public_pem = k.public_pem;
  r.fingerprint = PublicKeyFingerprint(k.public_pem).value();
  r.registered_at = at;
  return r;
}

TEST(RegisteredKeysTest, OnlyTheKeyThePartyRegisteredCounts) {
  auto k = testing::MakeKeyedExample();
  Agreement a = Parse(k.text);
  Signature s = SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value();
  KeyDirectory keys;
  // Nothing registered: the document's key proves nothing.
  absl::Status st = VerifyRegisteredSignature(a, s, keys, kNow, kNow);
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("'nhs-lister-ae' has not signed with its registered key"),
            std::string::npos)
      << st;
  EXPECT_NE(st.message().find("accordctl key register"), std::string::npos);
  // Another key registered by the party: still not its signature.
  keys.keys.push_back(Registered("nhs-lister-ae", GenerateEd25519KeyPair().value(), kNow - absl::Hours(1)));
  EXPECT_EQ(VerifyRegisteredSignature(a, s, keys, kNow, kNow).code(), absl::StatusCode::kPermissionDenied);
  // The same key registered by ANOTHER agency does not count for this party.
  keys.keys.push_back(Registered("csp-herts-analyst", k.provider, kNow - absl::Hours(1)));
  EXPECT_EQ(VerifyRegisteredSignature(a, s, keys, kNow, kNow).code(), absl::StatusCode::kPermissionDenied);
  // Registered by the party itself: counts.
  KeyDirectory own;
  own.keys.push_back(Registered("nhs-lister-ae", k.provider, kNow - absl::Hours(1)));
  std::string used;
  EXPECT_TRUE(VerifyRegisteredSignature(a, s, own, kNow, kNow, &used).ok());
  EXPECT_EQ(used, own.keys[0].fingerprint);
}

TEST(RegisteredKeysTest, RotationKeepsEarlierSignaturesAndRevocationVoidsThemAtOnce) {
  auto k = testing::MakeKeyedExample();
  Agreement a = Parse(k.text);
  Signature s = SignAgreement(a, "nhs-lister-ae", k.provider.private_pem, kNow).value();
  KeyDirectory keys;
  keys.keys.push_back(Registered("nhs-lister-ae", k.provider, kNow - absl::Hours(2)));
  const absl::Time rotated = kNow - absl::Hours(1);
  keys.keys[0].retired_at = rotated;
  keys.keys.push_back(Registered("nhs-lister-ae", GenerateEd25519KeyPair().value(), rotated));
  // Accepted before the rotation: counts; first seen after it: does not.
  EXPECT_TRUE(VerifyRegisteredSignature(a, s, keys, rotated - absl::Minutes(1), kNow).ok());
  absl::Status late = VerifyRegisteredSignature(a, s, keys, kNow, kNow);
  EXPECT_EQ(late.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(late.message().find("replaced by a rotation"), std::string::npos) << late;
  // Revoked: nothing signed with it counts, whenever it was accepted.
  keys.keys[0].revoked_at = kNow;
  keys.keys[0].revoke_reason = "laptop lost";
  absl::Status revoked = VerifyRegisteredSignature(a, s, keys, rotated - absl::Minutes(1), kNow);
  EXPECT_EQ(revoked.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(revoked.message().find("revoked"), std::string::npos) << revoked;
  // Just before the revocation it still counted.
  EXPECT_TRUE(
      VerifyRegisteredSignature(a, s, keys, rotated - absl::Minutes(1), kNow - absl::Seconds(1)).ok());
}

TEST(RegisteredKeysTest, ProofOfPossessionBindsKeyAndAgency) {
  KeyPair k = GenerateEd25519KeyPair().value();
  std::string proof = SignKeyRegistration("herts-police", k.private_pem).value();
  EXPECT_TRUE(VerifyKeyRegistration("herts-police", k.public_pem, proof).ok());
  EXPECT_EQ(VerifyKeyRegistration("csp-herts-analyst", k.public_pem, proof).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyKeyRegistration("herts-police", GenerateEd25519KeyPair()->public_pem, proof).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace accord::policy
