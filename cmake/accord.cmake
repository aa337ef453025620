# Helpers shared by every component.

# accord_test(NAME SOURCES ... LIBS ... [INCLUDES ...] [DEFINITIONS ...] [DEPENDS ...]):
# a GoogleTest binary registered with CTest (private include dirs, compile
# definitions, and targets that must be built first). Nothing when ACCORD_TESTS is off.
function(accord_test name)
  if(NOT ACCORD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;INCLUDES;DEFINITIONS;DEPENDS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(T_INCLUDES)
    target_include_directories(${name} PRIVATE ${T_INCLUDES})
  endif()
  if(T_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${T_DEFINITIONS})
  endif()
  if(T_DEPENDS)
    add_dependencies(${name} ${T_DEPENDS})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# accord_fuzzer(NAME SOURCES ... LIBS ... [INCLUDES ...]): a libFuzzer target,
# only in ACCORD_FUZZ builds.
function(accord_fuzzer name)
  if(NOT ACCORD_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  if(F_INCLUDES)
    target_include_directories(${name} PRIVATE ${F_INCLUDES})
  endif()
endfunction()

# accord_use_jemalloc(TARGET): links an executable with jemalloc when
# ACCORD_JEMALLOC is on, and defines ACCORD_JEMALLOC=1 for it (main() logs the
# allocator). --no-as-needed: the executable itself may not call malloc, and
# the library must still be loaded, so that its malloc is the one found.
function(accord_use_jemalloc target)
  if(NOT ACCORD_JEMALLOC)
    return()
  endif()
  target_link_options(${target} PRIVATE "LINKER:--no-as-needed")
  target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  target_compile_definitions(${target} PRIVATE ACCORD_JEMALLOC=1)
endfunction()

# accord_use_fast_crc32c(TARGET): with ACCORD_FAST_CRC32C, the executable's
# RocksDB computes its checksums on ISA-L (hub/core/include/accord/hub/core/
# rocksdb_crc32c.h): ld's --wrap sends every call RocksDB's objects make to
# rocksdb::crc32c::Extend to the wrapper in accord_rocksdb_crc32c. Either way
# the executable may call RocksDbCrc32cImplementation().
function(accord_use_fast_crc32c target)
  target_link_libraries(${target} PRIVATE accord_rocksdb_crc32c)
  if(ACCORD_FAST_CRC32C)
    target_link_options(${target} PRIVATE "LINKER:--wrap=_ZN7rocksdb6crc32c6ExtendEjPKcm")
  endif()
endfunction()
