/*
 * What the scenario suites (edge-learning-ideal, -wifi, -lte) share: the
 * small run they configure and the accounting every upload row must pass.
 * Header-only, included by the suites from this folder.
 */
#ifndef EDGE_LEARNING_TEST_UTILS_H
#define EDGE_LEARNING_TEST_UTILS_H

#include "ns3/edge-learning-experiment.h"
#include "ns3/test.h"

#include <cstdint>

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
 * A test case that checks the upload rows of a run.
 */
class EdgeLearningRunTestCase : public TestCase
{
  public:
    using TestCase::TestCase;

  protected:
    /**
     * Every upload row is either complete (with a t_end after its t_start)
     * or a straggler (recorded, never given an end), and the rounds'
     * devices_done add up to the completed uploads. Sets *completed to the
     * number of completed uploads; on a failed check it returns early, so the
     * caller returns when IsStatusFailure().
     */
    void CheckUploadsAccountedFor(const EdgeExperimentRunResult& r, uint32_t* completed)
    {
        *completed = 0;
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
    }
};

} // namespace ns3

#endif /* EDGE_LEARNING_TEST_UTILS_H */
