#include "git/select/negotiation_budget.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace gitgate::git::detail {
namespace {

// Time outside a Scope (waiting for the client) is free; inside, it counts, also across
// scopes; nested scopes count once.
TEST(NegotiationBudget, CountsOnlyTimeInsideScopes) {
  NegotiationBudget budget(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_FALSE(budget.exceeded());
  {
    const NegotiationBudget::Scope scope(budget);
    { const NegotiationBudget::Scope nested(budget); }
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    EXPECT_TRUE(budget.exceeded());  // while running, not only once the scope ends
  }
  EXPECT_TRUE(budget.exceeded());
  EXPECT_EQ(budget.error(),
            "upload-pack: negotiation took too long (limit 20 ms, negotiation_budget_ms)");
}

}  // namespace
}  // namespace gitgate::git::detail
