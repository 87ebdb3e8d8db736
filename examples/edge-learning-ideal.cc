/*
 * edge-learning-ideal: the control scenario. Each device has its own
 * point-to-point link to the edge server (no contention, no radio), so the
 * upload time of b bits is b / rate + delay plus TCP/IP overhead. Compare a
 * wireless run against this one to see what the channel costs.
 */
#include "ns3/core-module.h"
#include "ns3/edge-learning-experiment.h"

using namespace ns3;

int
main(int argc, char* argv[])
{
    EdgeLearningExperiment experiment("ideal");
    experiment.UseProgramDefaults();
    EdgeExperimentConfig& config = experiment.GetConfig();
    config.devices = 10;
    config.rounds = 20;

    return experiment.RunMain(
        argc, argv, __FILE__,
        "Federated learning over ideal links: N devices, each with its own "
        "point-to-point link of --rate and --delay to the edge server, train a model "
        "on Fashion-MNIST and upload their quantized gradients. One run per "
        "quantizer; results go to an SQLite file and a summary table.\n\n"
        "Example: edge-learning-ideal --rate=5Mbps --delay=20ms --quantizer=fp32,hgq",
        {{"rate", "ns3::EdgeIdealScenarioHelper::DataRate"},
         {"delay", "ns3::EdgeIdealScenarioHelper::Delay"}});
}
