# Warnings every target of ours compiles with; third-party headers come in as SYSTEM.
add_library(gitgate_warnings INTERFACE)
target_compile_options(gitgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  $<$<BOOL:${GITGATE_WERROR}>:-Werror>)
