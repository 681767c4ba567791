// The negotiation budget (RequestLimits::negotiation_budget) that the walks of want
// checks, ok-to-give-up and shallow planning check as they go.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace gitgate::git::detail {

// Server time spent on negotiation (RequestLimits::negotiation_budget). Time counts only
// inside a Scope, so waiting for the client is free; walks call exceeded() as they go.
class NegotiationBudget {
 public:
  explicit NegotiationBudget(std::chrono::milliseconds allowed) : allowed_(allowed) {}

  class Scope {
   public:
    explicit Scope(NegotiationBudget& budget);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    NegotiationBudget& budget_;
    bool owns_;  // the outermost scope: nested ones leave the clock to it
  };

  bool exceeded() const;
  std::string error() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds allowed_;
  Clock::duration spent_{};
  std::optional<Clock::time_point> since_;  // inside a Scope
};

}  // namespace gitgate::git::detail
