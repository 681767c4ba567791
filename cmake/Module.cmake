# gitgate_module(NAME DEPS ...): a static library of every .cc in the calling
# directory and its sub-folders (detail/, and git's layers pack/, select/, protocol/,
# cache/; main.cc excluded), with the source root as its include root.
function(gitgate_module name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX "/main\\.cc$")
  if(NOT sources)  # a module whose sources are not written yet
    add_library(gitgate_${name} INTERFACE)
    target_include_directories(gitgate_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(gitgate_${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(gitgate_${name} STATIC ${sources})
  target_include_directories(gitgate_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(gitgate_${name} PUBLIC ${ARGN} PRIVATE gitgate_warnings)
  set_target_properties(gitgate_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# gitgate_fuzzer(NAME SOURCES...): a libFuzzer target that compiles the parser
# sources it exercises itself, so they carry the fuzzer's coverage instrumentation.
function(gitgate_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;SEEDS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=all -g -O1)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
