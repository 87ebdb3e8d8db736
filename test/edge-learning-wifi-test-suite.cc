/*
 * edge-learning-wifi: 30 stations of one 802.11ax BSS upload together for 2
 * rounds. The run must end (no hang, no abort on re-association) and every
 * upload row must be either complete or a recorded straggler.
 */
#include "edge-learning-test-utils.h"
#include "ns3/edge-learning-experiment.h"
#include "ns3/edge-wifi-scenario-helper.h"
#include "ns3/simulator.h"
#include "ns3/test.h"

using namespace ns3;

/**
 * \ingroup edge-learning-tests
 * 30 stations, 2 rounds, softmax model.
 */
class EdgeLearningWifiThirtyStationsTestCase : public EdgeLearningRunTestCase
{
  public:
    EdgeLearningWifiThirtyStationsTestCase()
        : EdgeLearningRunTestCase(
            "802.11ax, 30 stations, 2 rounds: ends, every upload accounted for")
    {}

  private:
    void DoRun() override
    {
        const uint32_t nDevices = 30;
        const uint32_t nRounds = 2;
        const double deadlineS = 5.0;
        EdgeLearningExperiment experiment("wifi");
        EdgeExperimentConfig& c = experiment.GetConfig();
        ConfigureSmallRun(c, nDevices, nRounds, 5);
        c.quantizers = "fp32";
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
        // Stations associate within the 0.5 s + 40 ms/station ready time, and
        // each round lasts at most the deadline.
        NS_TEST_ASSERT_MSG_LT_OR_EQ(r.simS, 0.5 + 0.04 * nDevices + nRounds * deadlineS + 1e-9,
                                    "simulated time bounded by the deadlines");

        for (const UploadRecord& u : r.uploads)
        {
            if (u.completed)
            {
                NS_TEST_ASSERT_MSG_GT(u.payloadBits, 0, "a completed upload carried bits");
            }
        }
        // 30 x 31 kB in 5 s over a 20 MHz 802.11ax channel: most must arrive.
        NS_TEST_ASSERT_MSG_GT_OR_EQ(completed, nRounds * nDevices * 9 / 10,
                                    "completed uploads: " << completed);
    }
};

/**
 * \ingroup edge-learning-tests
 * Every station has associated by the scenario's ready time (when the
 * experiment starts uploads), and none has left.
 */
class EdgeLearningWifiAssociationTestCase : public TestCase
{
  public:
    EdgeLearningWifiAssociationTestCase(uint32_t nStations)
        : TestCase("802.11ax, " + std::to_string(nStations)
                   + " stations associate before the ready time")
        , m_nStations(nStations)
    {}

  private:
    void DoRun() override
    {
        Ptr<EdgeWifiScenarioHelper> helper = CreateObject<EdgeWifiScenarioHelper>();
        EdgeScenario scenario = helper->Build(m_nStations, 0);
        NS_TEST_ASSERT_MSG_EQ(scenario.devices.GetN(), m_nStations, "stations built");
        NS_TEST_ASSERT_MSG_EQ(scenario.name, "wifi", "scenario name");
        for (uint32_t i = 0; i < m_nStations; ++i)
        {
            NS_TEST_ASSERT_MSG_LT_OR_EQ(EdgeScenarioHelper::DistanceToReference(scenario, i),
                                        20.0 + 1e-9, "station " << i << " inside the 20 m disc");
        }
        Simulator::Stop(scenario.readyTime);
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(helper->GetAssociatedCount(), m_nStations,
                              "associated at " << scenario.readyTime.As(Time::S));
        NS_TEST_EXPECT_MSG_LT_OR_EQ(helper->GetLastAssociationTime(), scenario.readyTime,
                                    "last association before the ready time");
        Simulator::Destroy();
    }

    uint32_t m_nStations;
};

/**
 * \ingroup edge-learning-tests
 * The Wi-Fi suite.
 */
class EdgeLearningWifiTestSuite : public TestSuite
{
  public:
    EdgeLearningWifiTestSuite()
        : TestSuite("edge-learning-wifi", SYSTEM)
    {
        AddTestCase(new EdgeLearningWifiAssociationTestCase(30), TestCase::QUICK);
        AddTestCase(new EdgeLearningWifiAssociationTestCase(100), TestCase::QUICK);
        AddTestCase(new EdgeLearningWifiThirtyStationsTestCase(), TestCase::QUICK);
    }
};

static EdgeLearningWifiTestSuite g_edgeLearningWifiTestSuite;
