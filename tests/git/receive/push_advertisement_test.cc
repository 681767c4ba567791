#include "git/receive/push_advertisement.h"

#include <gtest/gtest.h>

#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::packet_texts;

git_oid oid(char digit) {
  git_oid id;
  const std::string hex(GIT_OID_HEXSZ, digit);
  EXPECT_EQ(git_oid_fromstr(&id, hex.c_str()), 0);
  return id;
}

const std::string kNul(1, '\0');

TEST(PushAdvertisement, Capabilities) {
  EXPECT_EQ(push_capabilities(),
            "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta "
            "push-options object-format=sha1 agent=gitgate/0.1");
}

TEST(PushAdvertisement, EmptyRepositoryAdvertisesCapabilitiesLine) {
  RefSet refs;
  refs.head_target = "refs/heads/main";  // unborn
  EXPECT_EQ(packet_texts(encode_push_advertisement(visible_push_refs(refs, {}))),
            (std::vector<std::string>{
                std::string(40, '0') + " capabilities^{}" + kNul + push_capabilities(), "0000"}));
}

// receive-pack lists refs/ only: no HEAD, no peeled lines, hidden refs left out.
TEST(PushAdvertisement, RefsWithoutHeadPeeledOrHidden) {
  RefSet refs;
  refs.head_target = "refs/heads/main";
  refs.refs = {{"HEAD", oid('a'), std::nullopt},
               {"refs/heads/main", oid('a'), std::nullopt},
               {"refs/pull/1/head", oid('c'), std::nullopt},
               {"refs/tags/v1", oid('b'), oid('a')}};
  const RefSet visible = visible_push_refs(refs, {"refs/pull"});
  ASSERT_EQ(visible.refs.size(), 2U);
  const std::string a(40, 'a');
  const std::string b(40, 'b');
  EXPECT_EQ(packet_texts(encode_push_advertisement(visible)),
            (std::vector<std::string>{a + " refs/heads/main" + kNul + push_capabilities(),
                                      b + " refs/tags/v1", "0000"}));
}

// ".have" lines follow the refs; with no ref the first carries the capabilities (git's
// show_ref for the first line of any kind).
TEST(PushAdvertisement, HaveLines) {
  RefSet refs;
  refs.refs = {{"refs/heads/main", oid('a'), std::nullopt}};
  const std::string a(40, 'a');
  const std::string b(40, 'b');
  const std::string c(40, 'c');
  EXPECT_EQ(packet_texts(encode_push_advertisement(refs, {oid('b'), oid('c')})),
            (std::vector<std::string>{a + " refs/heads/main" + kNul + push_capabilities(),
                                      b + " .have", c + " .have", "0000"}));
  EXPECT_EQ(packet_texts(encode_push_advertisement(RefSet{}, {oid('b')})),
            (std::vector<std::string>{b + " .have" + kNul + push_capabilities(), "0000"}));
}

TEST(PushAdvertisement, AllHiddenIsEmpty) {
  RefSet refs;
  refs.refs = {{"refs/heads/main", oid('a'), std::nullopt}};
  EXPECT_EQ(packet_texts(encode_push_advertisement(visible_push_refs(refs, {"refs"}))).front(),
            std::string(40, '0') + " capabilities^{}" + kNul + push_capabilities());
}

}  // namespace
}  // namespace gitgate::git::detail
