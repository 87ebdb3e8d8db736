/*
 * Test runner for the standalone build: Debian's libns3-dev ships no
 * test-runner, so the module's TestSuites are linked into this program, which
 * hands its arguments to ns-3's own TestRunner (same flags: --suite=NAME,
 * --list, --verbose, ...). Inside an ns-3 source tree ./test.py is used
 * instead and this file is not built.
 */

#include "ns3/test.h"

int
main(int argc, char* argv[])
{
    return ns3::TestRunner::Run(argc, argv);
}
