/*
 * EdgeLearningExperiment: the shared driver of the scenario programs
 * (edge-learning-wifi, -lte, -ideal) and of the scenario benchmark. It reads
 * the common command-line knobs, builds the scenario, installs the
 * applications with EdgeLearningHelper, runs one simulation per quantizer in
 * turn (one database), and prints the summary table.
 */
#ifndef EDGE_LEARNING_EXPERIMENT_H
#define EDGE_LEARNING_EXPERIMENT_H

#include "ns3/command-line.h"
#include "ns3/learning-task.h"
#include "ns3/results-database.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ns3 {

class EdgeLearningHelper;
class EdgeScenarioHelper;

/** The knobs every scenario program shares (command-line names in brackets). */
struct EdgeExperimentConfig
{
    std::string scenario{"wifi"};               //!< "wifi", "lte", "ideal" (fixed per program)
    uint32_t devices{10};                       //!< [devices] edge devices
    uint32_t rounds{20};                        //!< [rounds] federated rounds per run
    std::string model{"cnn-small"};             //!< [model] softmax, mlp, cnn-small, cnn
    std::string partition{"iid"};               //!< [partition] iid, shards, dirichlet
    double alpha{0.5};                          //!< [alpha] Dirichlet concentration
    uint32_t batch{32};                         //!< [batch] mini-batch per device and round
    double lr{0.05};                            //!< [lr] server SGD learning rate
    double momentum{0.0};                       //!< [momentum] server heavy-ball momentum
    std::string quantizers{"fp32,signsgd,hgq"}; //!< [quantizer] comma list, one run each
    std::string plan;                           //!< [plan] hgq plan "LxB,..." (empty: budget)
    double bitsPerCoef{0};                      //!< [bitsPerCoef] hgq budget (0: default)
    uint64_t seed{1};                           //!< [seed] RngRun and the task's seed
    double deadlineS{0};                        //!< [deadline] round deadline, s (0: default)
    uint32_t evalEvery{1};                      //!< [evalEvery] evaluate every k rounds
    uint32_t evalSubset{2000};                  //!< [evalSubset] test samples (0: all 10,000)
    std::string downlink{"ideal"};              //!< [downlink] ideal or model
    std::string db{"results/edge-learning.db"}; //!< [db] SQLite file ("" or "none": no file)
    std::string dataDir;                        //!< [dataDir] "" : Debian's package folder
    /** Attributes set on the scenario helper by name, e.g. {"RadiusM", "30"}. */
    std::vector<std::pair<std::string, std::string>> scenarioAttributes;
    bool progress{true}; //!< [progress] one line per evaluated round
};

/** What one run (one quantizer) produced, for the benchmark and the tests. */
struct EdgeExperimentRunResult
{
    std::string quantizer;
    int64_t runId{-1};    //!< -1 without a database
    bool finished{false}; //!< every round was recorded
    RunRecord run;
    std::vector<RoundRecord> rounds;
    std::vector<UploadRecord> uploads;
    std::vector<DeviceRecord> devices;
    double wallS{0};             //!< wall-clock seconds of the whole run (build + simulate)
    double simS{0};              //!< simulated seconds at the end
    double setupS{0};            //!< wall-clock seconds of data loading + partition (first run)
    EdgeLearningWallClock clock; //!< wall-clock of gradient / quantize / decode / eval
};

/**
 * \brief Runs a federated-learning experiment over one scenario.
 *
 * Usage (the whole of an example's main):
 * \code
 *   EdgeLearningExperiment experiment("wifi");
 *   return experiment.RunMain(argc, argv, __FILE__, "usage text",
 *                             {{"radius", "ns3::EdgeWifiScenarioHelper::RadiusM"}});
 * \endcode
 * Scenario settings are the attributes of the scenario helper (e.g.
 * --ns3::EdgeWifiScenarioHelper::RadiusM=30); the examples bind short names
 * to them. Every run of one invocation shares the seed, so runs differ only
 * by quantizer: same partition, same initial weights, same positions.
 */
class EdgeLearningExperiment
{
  public:
    explicit EdgeLearningExperiment(const std::string& scenario);

    EdgeExperimentConfig& GetConfig();
    const EdgeExperimentConfig& GetConfig() const;

    /** Binds the common knobs to cmd (names as in EdgeExperimentConfig). */
    void AddCommandLineOptions(CommandLine& cmd);

    /** Empty when the configuration is usable, else a message naming the knob. */
    std::string Validate() const;

    /**
     * Checks every knob of config before any run starts: each value that
     * becomes an ns-3 attribute (learning task, server, quantizer, scenario
     * helper) against that attribute's own checker, and each quantizer of the
     * comma list by building it for the model's D (GradientQuantizer::
     * CheckConfig), so an infeasible hgq budget is refused before the first
     * run rather than when its own run starts. Returns true, or false with
     * *error (may be nullptr) set to one line naming the option and what was
     * wrong. Never aborts.
     */
    static bool Validate(const EdgeExperimentConfig& config, std::string* error);

    /**
     * Runs one simulation per quantizer and prints progress and the summary
     * table to out. Returns 0, or 1 after printing why the configuration
     * was refused.
     */
    int Run(std::ostream& out);

    /**
     * The defaults the scenario programs share: cnn-small, batch 32, lr 0.1
     * (measured with edge-learning-wifi), evaluation every 5 rounds, one run
     * each of fp32, signsgd and hgq. Devices and rounds stay the program's.
     */
    void UseProgramDefaults();

    /**
     * The whole main() of a scenario program: a CommandLine named after
     * programFile (pass __FILE__) with the usage text, the common knobs and
     * each {short name, attribute path} of scenarioOptions; parses argv and
     * returns Run(std::cout).
     */
    int RunMain(int argc, char* argv[], const std::string& programFile, const std::string& usage,
                const std::vector<std::pair<std::string, std::string>>& scenarioOptions);

    /** The results of the last Run, one per quantizer in order. */
    const std::vector<EdgeExperimentRunResult>& GetResults() const;

    /** The quantizer names of the comma list, trimmed. */
    static std::vector<std::string> SplitList(const std::string& list);

  private:
    EdgeExperimentRunResult RunOne(const std::string& quantizer, std::ostream& out);
    std::string ParamsJson(const std::string& quantizer, const std::string& scenario,
                           const std::string& attributes) const;
    /** params.attributes: the attributes of every configured object of the run. */
    std::string RunAttributesJson(const EdgeLearningHelper& helper,
                                  Ptr<const EdgeScenarioHelper> scenarioHelper) const;
    void PrintSummary(std::ostream& out) const;

    EdgeExperimentConfig m_config;
    Ptr<LearningTask> m_task;
    Ptr<ResultsDatabase> m_db;
    std::vector<EdgeExperimentRunResult> m_results;
    std::vector<std::string> m_commandLine;     //!< argv of RunMain (empty otherwise)
    std::string m_programName{"edge-learning"}; //!< prefix of the refusal line
};

} // namespace ns3

#endif /* EDGE_LEARNING_EXPERIMENT_H */
