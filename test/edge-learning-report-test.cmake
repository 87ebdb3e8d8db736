# ctest `edge-learning-report`: the report program on a database whose
# contents are known. The database suite's summary case writes it (three
# evaluated runs, fp32 / hgq / qsgd, common target 0.65, then an unevaluated
# signsgd run in the same batch) and copies it where
# EDGE_LEARNING_TEST_KEEP_DB says. Run as
#   cmake -DRUNNER=<edge-learning-test-runner> -DREPORT=<edge-learning-report>
#         -DWORK_DIR=<scratch folder> -P test/edge-learning-report-test.cmake

foreach(var RUNNER REPORT WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "pass -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(db ${WORK_DIR}/summary.db)

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env EDGE_LEARNING_TEST_KEEP_DB=${db}
          ${RUNNER} --suite=edge-learning-database
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT EXISTS ${db})
  message(FATAL_ERROR "database suite failed or left no database (${rc}):\n${out}")
endif()

set(failures 0)
function(expect_match text regex what)
  if(NOT "${text}" MATCHES "${regex}")
    message(SEND_ERROR "${what}: no match for '${regex}' in:\n${text}")
    math(EXPR failures "${failures} + 1")
    set(failures ${failures} PARENT_SCOPE)
  endif()
endfunction()

# Default selection: the last batch, all four runs; no common target since
# signsgd was never evaluated.
execute_process(COMMAND ${REPORT} --db=${db} --out=${WORK_DIR}/all --prefix=r-
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report failed (${rc}): ${out}${err}")
endif()
expect_match("${out}" "Runs compared: 4; no common target" "default selection")
expect_match("${out}" "\n1 +ideal +fp32 " "fp32 row")
expect_match("${out}" "\n4\\* +ideal +signsgd " "signsgd row, marked not complete")
file(STRINGS ${WORK_DIR}/all/r-summary.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 5)
  message(SEND_ERROR "r-summary.csv: ${n} lines, expected header + 4")
  math(EXPR failures "${failures} + 1")
endif()

# Three evaluated runs: the target and the times to reach it (see the suite).
execute_process(COMMAND ${REPORT} --db=${db} --runs=1-2,3 --out=${WORK_DIR}/three
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report --runs=1-2,3 failed (${rc}): ${out}${err}")
endif()
expect_match("${out}" "common target accuracy \\(highest every run reaches\\): 0.6500"
             "common target")
expect_match("${out}" "\n3 +ideal +qsgd +- +4 +0.6000 +0.6500 +4.000 +2.0000 +4.000 +4\n"
             "qsgd row")
file(STRINGS ${WORK_DIR}/three/curves.csv curves)
list(LENGTH curves n)
if(NOT n EQUAL 10)
  message(SEND_ERROR "curves.csv: ${n} lines, expected header + 3 runs x 3 evaluated rounds")
  math(EXPR failures "${failures} + 1")
endif()
find_program(GNUPLOT gnuplot)
if(GNUPLOT)
  foreach(png accuracy-vs-round accuracy-vs-uplink-bits accuracy-vs-time)
    if(NOT EXISTS ${WORK_DIR}/three/${png}.png)
      message(SEND_ERROR "gnuplot is installed but ${png}.png was not drawn: ${out}")
      math(EXPR failures "${failures} + 1")
    endif()
  endforeach()
else()
  expect_match("${out}" "gnuplot not found" "note without gnuplot")
endif()

# CSV to standard output.
execute_process(COMMAND ${REPORT} --db=${db} --runs=2 --csv=- --plots=false
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_match("${out}" "\n2,[^,]*,complete,ideal,hgq,\"L=8,b=2.0\",mlp," "CSV on stdout")

# Refusals: a clear message and a failure status.
file(WRITE ${WORK_DIR}/notes.txt "not a database, just enough text to fill SQLite's header page\n")
foreach(case "--db=${WORK_DIR}/notes.txt|not an SQLite database"
             "--db=${WORK_DIR}/missing.db|cannot read results database"
             "--runs=99|no run 99"
             "--runs=4-2|is not a run id or a range")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 arg)
  list(GET parts 1 expected)
  execute_process(COMMAND ${REPORT} --db=${db} ${arg} --out=${WORK_DIR}/refused
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(SEND_ERROR "report ${arg} succeeded; expected a refusal")
    math(EXPR failures "${failures} + 1")
  endif()
  expect_match("${err}" "${expected}" "report ${arg}")
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} report check(s) failed")
endif()
message(STATUS "report checks passed")
