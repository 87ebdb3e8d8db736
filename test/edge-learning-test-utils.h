/*
 * What the scenario suites (edge-learning-ideal, -wifi, -lte, -determinism)
 * share: the small run they configure and the checks that a run ended with
 * every row accounted for.
 * Header-only, included by the suites from this folder.
 */
#ifndef EDGE_LEARNING_TEST_UTILS_H
#define EDGE_LEARNING_TEST_UTILS_H

#include "ns3/edge-learning-experiment.h"
#include "ns3/test.h"

#include <cstdint>
#include <sstream>

namespace ns3 {

/**
 * A run small enough for a test: softmax model, batch 16, 200 evaluation
 * samples, no progress lines. Quantizers, deadline and database stay the
 * caller's.
 */
inline void
ConfigureSmallRun(EdgeExperimentConfig& c, uint32_t devices, uint32_t rounds, uint64_t seed)
{
    c.devices = devices;
    c.rounds = rounds;
    c.model = "softmax";
    c.batch = 16;
    c.evalSubset = 200;
    c.seed = seed;
    c.progress = false;
}

/**
 * \ingroup edge-learning-tests
 * A test case that runs an experiment and checks that it ended with its rows.
 */
class EdgeLearningRunTestCase : public TestCase
{
  public:
    using TestCase::TestCase;

  protected:
    /**
     * Runs the experiment (one quantizer) and checks that the run was
     * accepted and ended with every row accounted for: one record per round,
     * one upload row per device and round, each upload complete (with a t_end
     * after its t_start) or a straggler (recorded, never given an end), and
     * the rounds' devices_done adding up to the completed uploads. Sets *run
     * to that run and *completed to its completed uploads; *run stays
     * nullptr after a failed check.
     */
    void RunToTheEnd(EdgeLearningExperiment& experiment, const EdgeExperimentRunResult** run,
                     uint32_t* completed)
    {
        *run = nullptr;
        *completed = 0;
        const EdgeExperimentConfig& c = experiment.GetConfig();
        std::ostringstream log;
        NS_TEST_ASSERT_MSG_EQ(experiment.Run(log), 0, "refused: " << log.str());
        const EdgeExperimentRunResult& r = experiment.GetResults().at(0);
        NS_TEST_ASSERT_MSG_EQ(r.finished, true, "the run did not finish:\n" << log.str());
        NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), c.rounds, "round records");
        NS_TEST_ASSERT_MSG_EQ(r.uploads.size(), c.rounds * c.devices,
                              "one upload row per device and round");
        for (const UploadRecord& u : r.uploads)
        {
            if (u.completed)
            {
                ++*completed;
                NS_TEST_ASSERT_MSG_EQ(u.tEndS.has_value(), true, "a completed upload has t_end");
                NS_TEST_ASSERT_MSG_GT(*u.tEndS, u.tStartS, "t_end after t_start");
            }
            else
            {
                NS_TEST_ASSERT_MSG_EQ(u.tEndS.has_value(), false,
                                      "straggler of round " << u.round << " device " << u.device
                                                            << " has no t_end");
            }
        }
        uint32_t doneInRounds = 0;
        for (const RoundRecord& round : r.rounds)
        {
            doneInRounds += round.devicesDone;
        }
        NS_TEST_ASSERT_MSG_EQ(doneInRounds, *completed, "devices_done sums the completed uploads");
        *run = &r;
    }
};

} // namespace ns3

#endif /* EDGE_LEARNING_TEST_UTILS_H */
