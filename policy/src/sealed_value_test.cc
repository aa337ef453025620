#include "accord/policy/sealed_value.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct KeyPair {
  std::string public_pem;
  std::string private_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len);
}

KeyPair NewKeyPair(const char* type = "X25519") {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  EXPECT_TRUE(key != nullptr);
  std::unique_ptr<BIO, BioDeleter> pub(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioDeleter> priv(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PUBKEY(pub.get(), key.get()), 1);
  EXPECT_EQ(PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  return {BioText(pub.get()), BioText(priv.get())};
}

v1::Value Text(std::string s) {
  v1::Value v;
  v.set_text(std::move(s));
  return v;
}

constexpr std::string_view kSecret = "Zoe Smith 9434765919 AL1 3XY";

class SealedValueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = NewKeyPair();
    auto s = RecipientSealer::Create("csp-analyst", keys_.public_pem);
    ASSERT_TRUE(s.ok()) << s.status();
    sealer_.emplace(std::move(*s));
  }
  v1::SealedValue Seal(std::string_view field, const v1::Value& v) {
    v1::SealedValue out;
    absl::Status s = sealer_->Seal(field, v, &out);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  KeyPair keys_;
  std::optional<RecipientSealer> sealer_;
};

TEST_F(SealedValueTest, RoundTrip) {
  v1::SealedValue sealed = Seal("patient_name", Text(std::string(kSecret)));
  EXPECT_EQ(sealed.scheme(), "x25519-hkdf-sha256-aes256gcm");
  EXPECT_EQ(sealed.recipient(), "csp-analyst");
  EXPECT_THAT(sealed.key_fingerprint(), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(sealed.key_fingerprint(), sealer_->key_fingerprint());
  EXPECT_EQ(sealed.ephemeral_public_key().size(), 32u);
  EXPECT_EQ(sealed.nonce().size(), 12u);
  EXPECT_EQ(sealed.ciphertext().size(), Text(std::string(kSecret)).ByteSizeLong() + 16);

  auto opened = OpenSealed("csp-analyst", keys_.private_pem, "patient_name", sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text(), kSecret);

  v1::Value geo;
  geo.mutable_geo()->set_lat(51.7505);
  geo.mutable_geo()->set_lon(-0.342);
  auto g = OpenSealed("csp-analyst", keys_.private_pem, "home", Seal("home", geo));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->geo().lat(), 51.7505);
  EXPECT_EQ(g->geo().lon(), -0.342);

  v1::Value n;
  n.set_integer(-42);
  auto i = OpenSealed("csp-analyst", keys_.private_pem, "count", Seal("count", n));
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->integer(), -42);
}

TEST_F(SealedValueTest, EachSealIsFresh) {
  v1::SealedValue a = Seal("f", Text("same"));
  v1::SealedValue b = Seal("f", Text("same"));
  EXPECT_NE(a.ephemeral_public_key(), b.ephemeral_public_key());
  EXPECT_NE(a.nonce(), b.nonce());
  EXPECT_NE(a.ciphertext(), b.ciphertext());
}

TEST_F(SealedValueTest, CiphertextDoesNotContainPlaintext) {
  v1::SealedValue sealed = Seal("patient_name", Text(std::string(kSecret)));
  std::string wire = sealed.SerializeAsString();
  EXPECT_THAT(wire, Not(HasSubstr("Zoe")));
  EXPECT_THAT(wire, Not(HasSubstr("9434765919")));
  EXPECT_THAT(wire, Not(HasSubstr("AL1 3XY")));
}

// Decrypts with OpenSSL primitives directly, following the scheme in the
// header, to show the construction is what the header documents.
TEST_F(SealedValueTest, MatchesDocumentedConstruction) {
  v1::SealedValue sealed = Seal("patient_name", Text(std::string(kSecret)));
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(keys_.private_pem.data(), -1));
  EvpPkeyPtr priv(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(priv);
  unsigned char rpub[32];
  size_t rpub_len = 32;
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(priv.get(), rpub, &rpub_len), 1);
  const std::string& epub = sealed.ephemeral_public_key();
  EvpPkeyPtr eph(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_X25519, nullptr, reinterpret_cast<const unsigned char*>(epub.data()), 32));
  EvpPkeyCtxPtr dctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
  unsigned char shared[32];
  size_t shared_len = 32;
  ASSERT_EQ(EVP_PKEY_derive_init(dctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_derive_set_peer(dctx.get(), eph.get()), 1);
  ASSERT_EQ(EVP_PKEY_derive(dctx.get(), shared, &shared_len), 1);

  std::string salt = epub + std::string(reinterpret_cast<char*>(rpub), 32);
  std::string info = std::string("accord.sealed.v1\x1f") + "csp-analyst\x1fpatient_name";
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  EvpKdfCtxPtr kctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, 32),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  unsigned char key[32];
  ASSERT_EQ(EVP_KDF_derive(kctx.get(), key, 32, params), 1);

  const std::string& ct = sealed.ciphertext();
  std::string aad = "csp-analyst\x1fpatient_name";
  std::string pt(ct.size() - 16, '\0');
  EvpCipherCtxPtr c(EVP_CIPHER_CTX_new());
  int len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex2(c.get(), EVP_aes_256_gcm(), key,
                                reinterpret_cast<const unsigned char*>(sealed.nonce().data()), nullptr), 1);
  ASSERT_EQ(EVP_DecryptUpdate(c.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()), aad.size()), 1);
  ASSERT_EQ(EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(pt.data()), &len,
                              reinterpret_cast<const unsigned char*>(ct.data()), ct.size() - 16), 1);
  std::string tag = ct.substr(ct.size() - 16);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
  ASSERT_EQ(EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(pt.data()) + len, &len), 1);
  v1::Value v;
  ASSERT_TRUE(v.ParseFromString(pt));
  EXPECT_EQ(v.text(), kSecret);
}

TEST_F(SealedValueTest, WrongKeyFails) {
  v1::SealedValue sealed = Seal("patient_name", Text("x"));
  KeyPair other = NewKeyPair();
  auto r = OpenSealed("csp-analyst", other.private_pem, "patient_name", sealed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  // Even with the fingerprint forged to match the wrong key, the tag fails.
  auto other_sealer = RecipientSealer::Create("csp-analyst", other.public_pem);
  ASSERT_TRUE(other_sealer.ok());
  sealed.set_key_fingerprint(other_sealer->key_fingerprint());
  r = OpenSealed("csp-analyst", other.private_pem, "patient_name", sealed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("authentication"));
}

TEST_F(SealedValueTest, WrongRecipientFails) {
  v1::SealedValue sealed = Seal("f", Text("x"));
  auto r = OpenSealed("police", keys_.private_pem, "f", sealed);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  // Rewriting the recipient changes the AAD and the HKDF info: fails.
  sealed.set_recipient("police");
  r = OpenSealed("police", keys_.private_pem, "f", sealed);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedValueTest, TamperingFails) {
  v1::SealedValue sealed = Seal("patient_name", Text(std::string(kSecret)));
  for (int part = 0; part < 3; ++part) {
    v1::SealedValue t = sealed;
    std::string* bytes = part == 0   ? t.mutable_ciphertext()
                         : part == 1 ? t.mutable_nonce()
                                     : t.mutable_ephemeral_public_key();
    (*bytes)[part == 2 ? 5 : 0] ^= 0x01;
    auto r = OpenSealed("csp-analyst", keys_.private_pem, "patient_name", t);
    ASSERT_FALSE(r.ok()) << part;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << part << r.status();
    EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr("Zoe")));
  }
  v1::SealedValue tag = sealed;
  tag.mutable_ciphertext()->back() ^= 0x80;
  EXPECT_EQ(OpenSealed("csp-analyst", keys_.private_pem, "patient_name", tag).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SealedValueTest, DifferentFieldNameFails) {
  v1::SealedValue sealed = Seal("patient_name", Text("x"));
  auto r = OpenSealed("csp-analyst", keys_.private_pem, "other_field", sealed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedValueTest, MalformedSealedValues) {
  v1::SealedValue sealed = Seal("f", Text("x"));
  v1::SealedValue t = sealed;
  t.set_scheme("rsa-oaep");
  EXPECT_EQ(OpenSealed("csp-analyst", keys_.private_pem, "f", t).status().code(),
            absl::StatusCode::kInvalidArgument);
  t = sealed;
  t.set_nonce("short");
  EXPECT_EQ(OpenSealed("csp-analyst", keys_.private_pem, "f", t).status().code(),
            absl::StatusCode::kInvalidArgument);
  t = sealed;
  t.set_ciphertext("0123456789");
  EXPECT_EQ(OpenSealed("csp-analyst", keys_.private_pem, "f", t).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSealed("csp-analyst", "not a pem", "f", sealed).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The hub holds only the public key, which cannot open anything.
  EXPECT_EQ(OpenSealed("csp-analyst", keys_.public_pem, "f", sealed).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SealedValueTest, OpenerParsesTheKeyOnceAndOpensMany) {
  auto opener = RecipientOpener::Create(keys_.private_pem);
  ASSERT_TRUE(opener.ok()) << opener.status();
  EXPECT_EQ(opener->key_fingerprint(), sealer_->key_fingerprint());
  for (int i = 0; i < 5; ++i) {
    std::string value = "value " + std::to_string(i);
    auto v = opener->Open("csp-analyst", "f", Seal("f", Text(value)));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->text(), value);
  }
  EXPECT_EQ(opener->Open("police", "f", Seal("f", Text("x"))).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An all-zero (low-order) ephemeral key is an altered value, not a crash.
  v1::SealedValue zero = Seal("f", Text("x"));
  zero.set_ephemeral_public_key(std::string(32, '\0'));
  EXPECT_EQ(opener->Open("csp-analyst", "f", zero).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(RecipientOpener::Create(keys_.public_pem).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RecipientSealerTest, RejectsBadKeys) {
  EXPECT_EQ(RecipientSealer::Create("r", "garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
  KeyPair ed = NewKeyPair("ED25519");
  auto s = RecipientSealer::Create("r", ed.public_pem);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("X25519"));
  KeyPair x = NewKeyPair();
  EXPECT_FALSE(RecipientSealer::Create("", x.public_pem).ok());
  EXPECT_FALSE(RecipientSealer::Create("r", x.private_pem).ok());  // needs the public PEM
  auto xs = RecipientSealer::Create("r", x.public_pem);
  ASSERT_TRUE(xs.ok());
  v1::SealedValue sealed;
  ASSERT_TRUE(xs->Seal("f", v1::Value(), &sealed).ok());
  auto r = OpenSealed("r", ed.private_pem, "f", sealed);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("X25519"));
}

}  // namespace
}  // namespace accord::policy
