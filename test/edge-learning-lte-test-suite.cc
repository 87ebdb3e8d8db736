/*
 * edge-learning-lte: 50 UEs in one cell (more than the 40 that ns-3's default
 * SRS periodicity admits) upload for 2 rounds. Every UE must attach, the run
 * must end, and every upload row must be complete or a recorded straggler.
 */
#include "edge-learning-test-utils.h"
#include "ns3/edge-learning-experiment.h"
#include "ns3/edge-lte-scenario-helper.h"
#include "ns3/simulator.h"
#include "ns3/test.h"

using namespace ns3;

/**
 * \ingroup edge-learning-tests
 * The SRS periodicity chosen for a number of UEs.
 */
class EdgeLearningLteSrsTestCase : public TestCase
{
  public:
    EdgeLearningLteSrsTestCase()
        : TestCase("SRS periodicity serves the number of UEs")
    {}

  private:
    void DoRun() override
    {
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(1), 40, "1 UE");
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(40), 40, "40 UEs");
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(41), 80, "41 UEs");
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(100), 160, "100 UEs");
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(320), 320, "320 UEs");
        NS_TEST_EXPECT_MSG_EQ(EdgeLteScenarioHelper::SrsPeriodicityFor(321), 0, "too many");
    }
};

/**
 * \ingroup edge-learning-tests
 * 50 UEs (more than SRS periodicity 40 admits) all connect before the ready
 * time, with the periodicity the helper chose.
 */
class EdgeLearningLteAttachTestCase : public TestCase
{
  public:
    EdgeLearningLteAttachTestCase()
        : TestCase("LTE, 50 UEs connect before the ready time")
    {}

  private:
    void DoRun() override
    {
        const uint32_t nUes = 50;
        Ptr<EdgeLteScenarioHelper> helper = CreateObject<EdgeLteScenarioHelper>();
        EdgeScenario scenario = helper->Build(nUes, 0);
        NS_TEST_ASSERT_MSG_EQ(helper->GetSrsPeriodicity(), 80, "SRS periodicity for 50 UEs");
        Simulator::Stop(scenario.readyTime);
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(helper->GetConnectedCount(), nUes, "RRC connections");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(helper->GetLastConnectionTime(), scenario.readyTime,
                                    "last connection before the ready time");
        Simulator::Destroy();
    }
};

/**
 * \ingroup edge-learning-tests
 * 50 UEs, 2 rounds.
 */
class EdgeLearningLteFiftyUesTestCase : public EdgeLearningRunTestCase
{
  public:
    EdgeLearningLteFiftyUesTestCase()
        : EdgeLearningRunTestCase("LTE, 50 UEs, 2 rounds: ends, every upload accounted for")
    {}

  private:
    void DoRun() override
    {
        const uint32_t nDevices = 50;
        const uint32_t nRounds = 2;
        const double deadlineS = 4.0;
        EdgeLearningExperiment experiment("lte");
        EdgeExperimentConfig& c = experiment.GetConfig();
        ConfigureSmallRun(c, nDevices, nRounds, 7);
        c.quantizers = "signsgd";
        c.deadlineS = deadlineS;
        c.db = "none";
        const EdgeExperimentRunResult* run = nullptr;
        uint32_t completed = 0;
        RunToTheEnd(experiment, &run, &completed);
        if (!run)
        {
            return;
        }
        const EdgeExperimentRunResult& r = *run;
        NS_TEST_ASSERT_MSG_LT_OR_EQ(r.simS, 1.0 + nRounds * deadlineS + 1e-9,
                                    "simulated time bounded by the deadlines");
        // 1 kB sign uploads of 50 attached UEs within 4 s: all of them, unless
        // UEs failed to attach (the SRS pitfall), which this catches.
        NS_TEST_ASSERT_MSG_EQ(completed, nRounds * nDevices, "every UE delivered");
    }
};

/**
 * \ingroup edge-learning-tests
 * The LTE suite.
 */
class EdgeLearningLteTestSuite : public TestSuite
{
  public:
    EdgeLearningLteTestSuite()
        : TestSuite("edge-learning-lte", SYSTEM)
    {
        AddTestCase(new EdgeLearningLteSrsTestCase(), TestCase::QUICK);
        AddTestCase(new EdgeLearningLteAttachTestCase(), TestCase::QUICK);
        AddTestCase(new EdgeLearningLteFiftyUesTestCase(), TestCase::QUICK);
    }
};

static EdgeLearningLteTestSuite g_edgeLearningLteTestSuite;
