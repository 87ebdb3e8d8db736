/*
 * edge-learning-lte: federated learning over an LTE uplink. The edge server
 * is a host behind the PGW of the EPC; the devices are UEs in one cell
 * (3GPP macro path loss, 23 dBm UEs). One run per quantizer of --quantizer.
 */
#include "ns3/core-module.h"
#include "ns3/edge-learning-experiment.h"

using namespace ns3;

int
main(int argc, char* argv[])
{
    EdgeLearningExperiment experiment("lte");
    experiment.UseProgramDefaults();
    EdgeExperimentConfig& config = experiment.GetConfig();
    config.devices = 20;
    config.rounds = 20;

    return experiment.RunMain(
        argc, argv, __FILE__,
        "Federated learning over LTE: N UEs in one cell train a model on "
        "Fashion-MNIST, quantize their gradients and upload the encoded bytes to the "
        "edge server behind the PGW. One run per quantizer; results go to an SQLite "
        "file and a summary table.\n\n"
        "Example: edge-learning-lte --devices=50 --rb=50 --radius=800 "
        "--quantizer=fp32,qsgd,hgq",
        {{"radius", "ns3::EdgeLteScenarioHelper::RadiusM"},
         {"rb", "ns3::EdgeLteScenarioHelper::BandwidthRb"},
         {"ueTxPower", "ns3::EdgeLteScenarioHelper::UeTxPowerDbm"},
         {"srsPeriodicity", "ns3::EdgeLteScenarioHelper::SrsPeriodicity"}});
}
