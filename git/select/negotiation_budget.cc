#include "git/select/negotiation_budget.h"

namespace gitgate::git::detail {

NegotiationBudget::Scope::Scope(NegotiationBudget& budget)
    : budget_(budget), owns_(!budget.since_) {
  if (owns_) {
    budget_.since_ = Clock::now();
  }
}

NegotiationBudget::Scope::~Scope() {
  if (owns_) {
    budget_.spent_ += Clock::now() - *budget_.since_;
    budget_.since_.reset();
  }
}

bool NegotiationBudget::exceeded() const {
  const auto running = since_ ? Clock::now() - *since_ : Clock::duration{};
  return spent_ + running > allowed_;
}

std::string NegotiationBudget::error() const {
  return "upload-pack: negotiation took too long (limit " + std::to_string(allowed_.count()) +
         " ms, negotiation_budget_ms)";
}

}  // namespace gitgate::git::detail
