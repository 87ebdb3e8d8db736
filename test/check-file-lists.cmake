# ctest `edge-learning-file-lists`: the file lists of CMakeLists.txt, wscript
# and the files on disk agree, so the three builds (standalone CMake, ns-3
# contrib CMake, waf) compile the same module. Run as
#   cmake -DSOURCE_DIR=<repo> -P test/check-file-lists.cmake

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "pass -DSOURCE_DIR=<repository root>")
endif()

file(READ ${SOURCE_DIR}/CMakeLists.txt cmake_text)
file(READ ${SOURCE_DIR}/wscript wscript_text)

set(failures 0)

# Every path under model/, helper/, examples/ or test/ named in a file.
function(collect_paths text pattern out)
  string(REGEX MATCHALL "${pattern}" matches "${text}")
  list(REMOVE_DUPLICATES matches)
  list(SORT matches)
  set(${out} "${matches}" PARENT_SCOPE)
endfunction()

# Longest extension first: CMake regex alternation takes the first that
# matches, and "(c|cc)" would read "x.cc" as "x.c".
set(module_path_regex "(model|helper)/[A-Za-z0-9_./-]+\\.(cc|c|h)")
collect_paths("${cmake_text}" "${module_path_regex}" cmake_module_files)
collect_paths("${wscript_text}" "${module_path_regex}" wscript_module_files)

set(test_path_regex "test/edge-learning-[A-Za-z0-9_-]+-test-suite\\.cc")
collect_paths("${cmake_text}" "${test_path_regex}" cmake_test_files)
collect_paths("${wscript_text}" "${test_path_regex}" wscript_test_files)

set(example_path_regex "examples/[A-Za-z0-9_-]+\\.cc")
collect_paths("${cmake_text}" "${example_path_regex}" cmake_example_files)
collect_paths("${wscript_text}" "${example_path_regex}" wscript_example_files)

foreach(kind module test example)
  if(NOT "${cmake_${kind}_files}" STREQUAL "${wscript_${kind}_files}")
    set(only_cmake ${cmake_${kind}_files})
    set(only_waf ${wscript_${kind}_files})
    if(wscript_${kind}_files)
      list(REMOVE_ITEM only_cmake ${wscript_${kind}_files})
    endif()
    if(cmake_${kind}_files)
      list(REMOVE_ITEM only_waf ${cmake_${kind}_files})
    endif()
    message(SEND_ERROR "${kind} files differ: only in CMakeLists.txt: [${only_cmake}]; only in wscript: [${only_waf}]")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

# Every listed file exists, and every source on disk is listed.
foreach(path ${cmake_module_files} ${cmake_test_files} ${cmake_example_files})
  if(NOT EXISTS ${SOURCE_DIR}/${path})
    message(SEND_ERROR "listed in CMakeLists.txt but missing on disk: ${path}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
file(GLOB_RECURSE disk_files RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/model/*.c ${SOURCE_DIR}/model/*.cc ${SOURCE_DIR}/model/*.h
     ${SOURCE_DIR}/helper/*.cc ${SOURCE_DIR}/helper/*.h
     ${SOURCE_DIR}/examples/*.cc ${SOURCE_DIR}/test/edge-learning-*-test-suite.cc)
foreach(path ${disk_files})
  # Tools of the C cores build as programs, not into the module.
  if(path MATCHES "^model/[a-z]+/tools/")
    continue()
  endif()
  list(FIND cmake_module_files ${path} in_module)
  list(FIND cmake_test_files ${path} in_tests)
  list(FIND cmake_example_files ${path} in_examples)
  if(in_module EQUAL -1 AND in_tests EQUAL -1 AND in_examples EQUAL -1)
    message(SEND_ERROR "on disk but not in CMakeLists.txt: ${path}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} file-list disagreement(s)")
endif()
list(LENGTH cmake_module_files n_module)
list(LENGTH cmake_test_files n_tests)
list(LENGTH cmake_example_files n_examples)
message(STATUS "file lists agree: ${n_module} module files, ${n_tests} test suites, ${n_examples} examples")
