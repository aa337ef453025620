#include "accord/hub/ledger/merkle.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace accord::hub::ledger {
namespace {

Hash FromHex(std::string_view hex) {
  std::string bytes = absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
  Hash h{};
  EXPECT_EQ(bytes.size(), h.size());
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// The RFC 6962 reference leaves used by certificate-transparency and trillian.
std::vector<std::string> ReferenceEntries() {
  std::vector<std::string> hex = {"",         "00",       "10",
                                  "2021",     "3031",     "40414243",
                                  "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  std::vector<std::string> out;
  for (const auto& h : hex) out.push_back(absl::HexStringToBytes(h));
  return out;
}

// Roots of the reference tree for sizes 1..8.
const char* const kReferenceRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// Naive recursive RFC 6962 MTH over leaf hashes [begin, end).
Hash NaiveMth(const std::vector<Hash>& leaves, uint64_t begin, uint64_t end) {
  if (end == begin) return EmptyRoot();
  if (end - begin == 1) return leaves[begin];
  uint64_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return NodeHash(NaiveMth(leaves, begin, begin + k), NaiveMth(leaves, begin + k, end));
}

// Materialises proof ranges with the naive MTH.
std::vector<Hash> Materialise(const std::vector<Hash>& leaves,
                              const std::vector<LeafRange>& ranges) {
  std::vector<Hash> out;
  for (const LeafRange& r : ranges) out.push_back(NaiveMth(leaves, r.begin, r.end));
  return out;
}

std::vector<Hash> SyntheticLeaves(int n) {
  std::vector<Hash> leaves;
  for (int i = 0; i < n; ++i) leaves.push_back(LeafHash(absl::StrCat("entry-", i)));
  return leaves;
}

TEST(MerkleTest, HashPrefixes) {
  EXPECT_EQ(HashToHex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // LeafHash("") = SHA-256(0x00).
  EXPECT_EQ(HashToHex(LeafHash("")), kReferenceRoots[0]);
  const Hash l0 = LeafHash("");
  const Hash l1 = LeafHash(std::string(1, '\0'));
  EXPECT_EQ(HashToHex(NodeHash(l0, l1)), kReferenceRoots[1]);
  EXPECT_NE(NodeHash(l0, l1), NodeHash(l1, l0));
}

TEST(MerkleTest, ReferenceRootsForEverySize) {
  TreeBuilder builder;
  EXPECT_EQ(builder.Root(), EmptyRoot());
  std::vector<Hash> leaves;
  for (const std::string& e : ReferenceEntries()) {
    leaves.push_back(LeafHash(e));
    builder.Append(leaves.back());
    EXPECT_EQ(HashToHex(builder.Root()), kReferenceRoots[builder.size() - 1])
        << "size " << builder.size();
    EXPECT_EQ(builder.Root(), NaiveMth(leaves, 0, leaves.size()));
  }
}

TEST(MerkleTest, ReferenceInclusionProofs) {
  std::vector<Hash> leaves;
  for (const std::string& e : ReferenceEntries()) leaves.push_back(LeafHash(e));
  const Hash root8 = FromHex(kReferenceRoots[7]);

  const std::vector<Hash> proof0 = {
      FromHex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      FromHex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      FromHex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  const std::vector<Hash> proof5 = {
      FromHex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
      FromHex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
      FromHex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(Materialise(leaves, InclusionProofRanges(0, 8)), proof0);
  EXPECT_EQ(Materialise(leaves, InclusionProofRanges(5, 8)), proof5);
  EXPECT_TRUE(VerifyInclusion(0, 8, leaves[0], proof0, root8).ok());
  EXPECT_TRUE(VerifyInclusion(5, 8, leaves[5], proof5, root8).ok());
  EXPECT_FALSE(VerifyInclusion(4, 8, leaves[5], proof5, root8).ok());
  EXPECT_FALSE(VerifyInclusion(5, 8, leaves[4], proof5, root8).ok());
  EXPECT_FALSE(VerifyInclusion(5, 6, leaves[5], proof5, root8).ok());
  EXPECT_FALSE(VerifyInclusion(8, 8, leaves[5], proof5, root8).ok());
  // Single-leaf tree: empty proof, root is the leaf.
  EXPECT_TRUE(VerifyInclusion(0, 1, leaves[0], {}, FromHex(kReferenceRoots[0])).ok());
}

TEST(MerkleTest, ReferenceConsistencyProofs) {
  std::vector<Hash> leaves;
  for (const std::string& e : ReferenceEntries()) leaves.push_back(LeafHash(e));
  auto root = [](int n) { return FromHex(kReferenceRoots[n - 1]); };
  struct Vector {
    uint64_t size1, size2;
    std::vector<const char*> proof;
  };
  const Vector vectors[] = {
      {1, 1, {}},
      {1, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {2, 8,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6, 8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Vector& v : vectors) {
    std::vector<Hash> proof;
    for (const char* h : v.proof) proof.push_back(FromHex(h));
    EXPECT_EQ(Materialise(leaves, ConsistencyProofRanges(v.size1, v.size2)), proof)
        << v.size1 << "->" << v.size2;
    EXPECT_TRUE(VerifyConsistency(v.size1, v.size2, root(v.size1), root(v.size2), proof).ok())
        << v.size1 << "->" << v.size2;
    if (v.size1 != v.size2) {
      EXPECT_FALSE(VerifyConsistency(v.size1, v.size2, root(v.size2), root(v.size2), proof).ok());
      EXPECT_FALSE(VerifyConsistency(v.size1, v.size2, root(v.size1), root(v.size1), proof).ok());
    }
  }
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), root(8), {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 8, root(1), root(8), {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, root(3), root(4), {}).ok());
  EXPECT_FALSE(VerifyConsistency(8, 6, root(8), root(6), {}).ok());
  EXPECT_FALSE(VerifyConsistency(6, 8, root(6), root(8), {}).ok());
}

TEST(MerkleTest, TreeBuilderEmitsEveryPerfectNode) {
  const std::vector<Hash> leaves = SyntheticLeaves(37);
  TreeBuilder builder;
  std::vector<std::pair<NodeId, Hash>> nodes;
  for (const Hash& l : leaves) {
    builder.Append(l, [&](uint32_t level, uint64_t index, const Hash& h) {
      nodes.push_back({NodeId{level, index}, h});
    });
  }
  // 37 leaves + 18 + 9 + 4 + 2 + 1 interior nodes.
  EXPECT_EQ(nodes.size(), 37u + 18 + 9 + 4 + 2 + 1);
  for (const auto& [id, h] : nodes) {
    EXPECT_EQ(h, NaiveMth(leaves, id.index << id.level, (id.index + 1) << id.level))
        << id.level << "/" << id.index;
  }
  // 37 = 32 + 4 + 1.
  ASSERT_EQ(builder.compact_range().size(), 3u);
  EXPECT_EQ(RangeNodes(0, 37),
            (std::vector<NodeId>{{5, 0}, {2, 8}, {0, 36}}));
  TreeBuilder restored;
  ASSERT_TRUE(TreeBuilder::FromCompactRange(37, builder.compact_range(), &restored).ok());
  EXPECT_FALSE(TreeBuilder::FromCompactRange(39, builder.compact_range(), &restored).ok());
  ASSERT_TRUE(TreeBuilder::FromCompactRange(37, builder.compact_range(), &restored).ok());
  restored.Append(LeafHash("x"));
  builder.Append(LeafHash("x"));
  EXPECT_EQ(restored.Root(), builder.Root());
  EXPECT_EQ(restored.size(), 38u);
}

// Every inclusion and consistency proof for every size up to 300 verifies,
// and corrupted ones do not.
TEST(MerkleTest, AllProofsVerifyAndCorruptionsFail) {
  constexpr int kMax = 300;
  const std::vector<Hash> leaves = SyntheticLeaves(kMax);
  std::vector<Hash> roots = {EmptyRoot()};
  TreeBuilder builder;
  for (const Hash& l : leaves) {
    builder.Append(l);
    roots.push_back(builder.Root());
  }
  for (int n : {1, 2, 3, 5, 8, 13, 64, 100}) {
    ASSERT_EQ(roots[n], NaiveMth(leaves, 0, n)) << n;
  }
  for (uint64_t n = 1; n <= kMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<Hash> proof = Materialise(leaves, InclusionProofRanges(i, n));
      ASSERT_TRUE(VerifyInclusion(i, n, leaves[i], proof, roots[n]).ok()) << i << "/" << n;
      // Wrong index (when the proof shape allows it to differ).
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, leaves[i], proof, roots[n]).ok());
      }
      if (!proof.empty()) {
        std::vector<Hash> bad = proof;
        bad[i % bad.size()][i % 32] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], bad, roots[n]).ok());
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], bad, roots[n]).ok());
      }
      std::vector<Hash> longer = proof;
      longer.push_back(leaves[0]);
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], longer, roots[n]).ok());
    }
  }
  for (uint64_t n = 1; n <= kMax; n += (n < 70 ? 1 : 7)) {
    for (uint64_t m = 0; m <= n; ++m) {
      std::vector<Hash> proof = Materialise(leaves, ConsistencyProofRanges(m, n));
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof).ok()) << m << "->" << n;
      if (!proof.empty()) {
        std::vector<Hash> bad = proof;
        bad[m % bad.size()][m % 32] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok()) << m << "->" << n;
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok()) << m << "->" << n;
      }
      if (m > 0 && m < n) {
        // Wrong first size or a root of another tree.
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m - 1], roots[n], proof).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], proof).ok());
      }
    }
  }
}

}  // namespace
}  // namespace accord::hub::ledger
