// gitgate: the SSH node of a Git host behind a PROXY-protocol load balancer.
#include <cstdio>

int main() {
  std::fputs("gitgate: the server is not built yet\n", stderr);
  return 1;
}
