#include "git/protocol/advertisement.h"

#include <gtest/gtest.h>

#include "git/pack/libgit2.h"
#include "tests/git/git_fixture.h"
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

TEST(Advertisement, EmptyRepository) {
  const std::string out = encode_advertisement(RefSet{}, "caps x");
  EXPECT_EQ(packet_texts(out), (std::vector<std::string>{std::string(40, '0') + " capabilities^{}" +
                                                             std::string(1, '\0') + "caps x",
                                                         "0000"}));
}

TEST(Advertisement, CapabilitiesOnFirstLineAndPeeledTags) {
  RefSet refs;
  refs.refs = {{"HEAD", oid('a'), std::nullopt},
               {"refs/heads/main", oid('a'), std::nullopt},
               {"refs/tags/v1", oid('b'), oid('a')}};
  refs.head_target = "refs/heads/main";
  const std::string caps = advertised_capabilities(refs);
  const std::string a(40, 'a');
  const std::string b(40, 'b');
  EXPECT_EQ(
      packet_texts(encode_advertisement(refs, caps)),
      (std::vector<std::string>{a + " HEAD" + std::string(1, '\0') + caps, a + " refs/heads/main",
                                b + " refs/tags/v1", a + " refs/tags/v1^{}", "0000"}));
}

TEST(Advertisement, CapabilityList) {
  RefSet with_head;
  with_head.refs = {{"HEAD", oid('a'), std::nullopt}};
  with_head.head_target = "refs/heads/trunk";
  const std::string caps = advertised_capabilities(with_head);
  for (const char* expected :
       {"multi_ack ", " thin-pack ", " multi_ack_detailed ", " side-band ", " side-band-64k ",
        " ofs-delta ", " no-progress ", " include-tag ", " allow-tip-sha1-in-want ",
        " allow-reachable-sha1-in-want ", " no-done ", " symref=HEAD:refs/heads/trunk ",
        " object-format=sha1 ", " agent=gitgate/0.1", " shallow ", " deepen-since ", " deepen-not ",
        " deepen-relative ", " filter "}) {
    EXPECT_NE((caps + " ").find(expected), std::string::npos) << expected;
  }
  for (const char* absent : {"sideband-all", "packfile-uris"}) {
    EXPECT_EQ(caps.find(absent), std::string::npos) << absent;
  }
  RefSet detached;
  detached.refs = {{"HEAD", oid('a'), std::nullopt}};
  EXPECT_EQ(advertised_capabilities(detached).find("symref"), std::string::npos);
}

}  // namespace
}  // namespace gitgate::git::detail
