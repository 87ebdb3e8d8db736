/*
 * edge-learning-determinism: RngRun (--seed) alone decides a run. Two runs
 * with the same seed in one process write the same rounds and uploads rows,
 * bit for bit; a run with another seed differs.
 */
#include "edge-learning-test-utils.h"
#include "ns3/edge-learning-experiment.h"
#include "ns3/test.h"

#include <sstream>

using namespace ns3;

namespace {

EdgeExperimentRunResult
RunWifi(uint64_t seed)
{
    EdgeLearningExperiment experiment("wifi");
    EdgeExperimentConfig& c = experiment.GetConfig();
    ConfigureSmallRun(c, 6, 2, seed);
    c.quantizers = "signsgd";
    c.db = "none";
    std::ostringstream log;
    if (experiment.Run(log) != 0 || experiment.GetResults().empty())
    {
        return EdgeExperimentRunResult();
    }
    return experiment.GetResults()[0];
}

bool
SameRounds(const std::vector<RoundRecord>& a, const std::vector<RoundRecord>& b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        if (a[i].round != b[i].round || a[i].tStartS != b[i].tStartS || a[i].tEndS != b[i].tEndS
            || a[i].uplinkBits != b[i].uplinkBits || a[i].uplinkBytes != b[i].uplinkBytes
            || a[i].devicesDone != b[i].devicesDone || a[i].accuracy != b[i].accuracy
            || a[i].loss != b[i].loss)
        {
            return false;
        }
    }
    return true;
}

bool
SameUploads(const std::vector<UploadRecord>& a, const std::vector<UploadRecord>& b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        if (a[i].round != b[i].round || a[i].device != b[i].device
            || a[i].payloadBits != b[i].payloadBits || a[i].wireBytes != b[i].wireBytes
            || a[i].tStartS != b[i].tStartS || a[i].tEndS != b[i].tEndS
            || a[i].completed != b[i].completed || a[i].cosSimilarity != b[i].cosSimilarity)
        {
            return false;
        }
    }
    return true;
}

} // namespace

/**
 * \ingroup edge-learning-tests
 * Same seed, same rows; other seed, other rows.
 */
class EdgeLearningDeterminismTestCase : public TestCase
{
  public:
    EdgeLearningDeterminismTestCase()
        : TestCase("same seed gives the same rows; another seed differs")
    {}

  private:
    void DoRun() override
    {
        const EdgeExperimentRunResult a = RunWifi(11);
        const EdgeExperimentRunResult b = RunWifi(11);
        const EdgeExperimentRunResult other = RunWifi(12);
        NS_TEST_ASSERT_MSG_EQ(a.finished && b.finished && other.finished, true,
                              "all three runs finish");
        NS_TEST_ASSERT_MSG_EQ(a.rounds.size(), 2, "two rounds");
        NS_TEST_ASSERT_MSG_EQ(a.uploads.size(), 12, "six devices x two rounds");
        NS_TEST_EXPECT_MSG_EQ(SameRounds(a.rounds, b.rounds), true, "same seed: rounds rows");
        NS_TEST_EXPECT_MSG_EQ(SameUploads(a.uploads, b.uploads), true, "same seed: uploads rows");
        NS_TEST_EXPECT_MSG_EQ(SameRounds(a.rounds, other.rounds)
                                  && SameUploads(a.uploads, other.uploads),
                              false, "another seed must change the rows");
    }
};

/**
 * \ingroup edge-learning-tests
 * The determinism suite.
 */
class EdgeLearningDeterminismTestSuite : public TestSuite
{
  public:
    EdgeLearningDeterminismTestSuite()
        : TestSuite("edge-learning-determinism", SYSTEM)
    {
        AddTestCase(new EdgeLearningDeterminismTestCase(), TestCase::QUICK);
    }
};

static EdgeLearningDeterminismTestSuite g_edgeLearningDeterminismTestSuite;
