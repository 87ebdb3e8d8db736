/*
 * scenario-bench: wall-clock cost of whole federated-learning runs over the
 * simulated networks, split into learning, quantization and network
 * simulation. Prints a table and writes CSV with the columns
 *   scenario,quantizer,n_devices,rounds,wall_s,sim_s,train_s,quantize_s,
 *   network_s,peak_rss_mb
 * where (all wall-clock seconds of one run, data loading excluded)
 *   train_s    = learn_gradient + learn_apply + learn_evaluate,
 *   quantize_s = encode (devices) + decode and aggregate (server),
 *   network_s  = wall_s - train_s - quantize_s: ns-3's simulation of the
 *                channels and stacks and everything else,
 *   peak_rss_mb = peak resident memory of the process that ran the case.
 * Every case runs in its own child process (this program re-executed with
 * --case=...), so that peak_rss_mb belongs to that case alone.
 *
 * Default cases (--cases): {wifi, lte} x {10, 100} devices x {fp32, hgq},
 * cnn-small, 20 rounds, except LTE with 100 fp32 devices: one such round
 * (8.7 MB through one cell) took 180 s of wall clock on the shared two-core
 * machine, an hour for the case; run it with --cases=lte:fp32:100. Target:
 * 100 devices x 20 rounds of cnn-small over 802.11ax in under 10 minutes on
 * two cores (measured: fp32 528 s, hgq 46 s, with the machine shared).
 */
#include "ns3/command-line.h"
#include "ns3/edge-learning-experiment.h"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace ns3;

namespace {

const char* CSV_HEADER = "scenario,quantizer,n_devices,rounds,wall_s,sim_s,train_s,quantize_s,"
                         "network_s,peak_rss_mb";

/** Runs one case in this process and prints its CSV row on stdout. */
int
RunCase(const std::string& scenario, const std::string& quantizer, uint32_t devices,
        uint32_t rounds, const std::string& model, uint64_t seed)
{
    EdgeLearningExperiment experiment(scenario);
    EdgeExperimentConfig& c = experiment.GetConfig();
    c.devices = devices;
    c.rounds = rounds;
    c.model = model;
    c.quantizers = quantizer;
    c.seed = seed;
    c.evalEvery = 5;
    c.evalSubset = 1000;
    c.db = "none";
    c.progress = false;
    std::ostringstream log;
    if (experiment.Run(log) != 0 || experiment.GetResults().empty())
    {
        std::cerr << log.str();
        return 1;
    }
    const EdgeExperimentRunResult& r = experiment.GetResults()[0];
    const EdgeLearningWallClock& w = r.clock;
    const double train = w.gradientS + w.updateS + w.evaluateS;
    const double quantize = w.quantizeS + w.decodeS;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    const double rssMb = usage.ru_maxrss / 1024.0; // Linux: kilobytes
    std::cout << std::fixed << std::setprecision(3) << scenario << "," << quantizer << ","
              << devices << "," << r.rounds.size() << "," << r.wallS << "," << r.simS << ","
              << train << "," << quantize << "," << (r.wallS - train - quantize) << ","
              << std::setprecision(1) << rssMb << (r.finished ? "" : ",INCOMPLETE") << std::endl;
    return r.finished ? 0 : 1;
}

std::vector<std::string>
Split(const std::string& list)
{
    return EdgeLearningExperiment::SplitList(list);
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string scenarios = "wifi,lte";
    std::string deviceCounts = "10,100";
    std::string quantizers = "fp32,hgq";
    std::string model = "cnn-small";
    uint32_t rounds = 20;
    uint64_t seed = 1;
    std::string csvPath = "bench/scenario-bench.csv";
    std::string oneCase;
    std::string cases = "wifi:fp32:10,wifi:hgq:10,wifi:fp32:100,wifi:hgq:100,"
                        "lte:fp32:10,lte:hgq:10,lte:hgq:100";

    CommandLine cmd(__FILE__);
    cmd.Usage("Wall-clock cost of federated-learning runs over the simulated networks "
              "(learning, quantization, network simulation, peak memory), one child "
              "process per case; CSV under --csv.");
    cmd.AddValue("scenarios", "Comma list of scenarios: wifi, lte, ideal", scenarios);
    cmd.AddValue("devices", "Comma list of device counts", deviceCounts);
    cmd.AddValue("quantizer", "Comma list of quantizers", quantizers);
    cmd.AddValue("model", "Model of every case", model);
    cmd.AddValue("rounds", "Rounds per case", rounds);
    cmd.AddValue("seed", "Seed of every case", seed);
    cmd.AddValue("csv", "CSV output file", csvPath);
    cmd.AddValue("cases",
                 "Comma list of scenario:quantizer:devices cases, or grid: every "
                 "combination of --scenarios, --quantizer and --devices",
                 cases);
    cmd.AddValue("case", "Internal: run one case scenario:quantizer:devices", oneCase);
    cmd.Parse(argc, argv);

    if (!oneCase.empty())
    {
        std::istringstream parts(oneCase);
        std::string scenario;
        std::string quantizer;
        std::string n;
        std::getline(parts, scenario, ':');
        std::getline(parts, quantizer, ':');
        std::getline(parts, n, ':');
        return RunCase(scenario, quantizer, std::stoul(n), rounds, model, seed);
    }

    std::ofstream csv(csvPath);
    if (!csv)
    {
        std::cerr << "scenario-bench: cannot write " << csvPath << std::endl;
        return 1;
    }
    csv << CSV_HEADER << std::endl;
    std::cout << CSV_HEADER << std::endl;
    std::vector<std::string> caseList = Split(cases);
    if (cases == "grid")
    {
        caseList.clear();
        for (const std::string& scenario : Split(scenarios))
        {
            for (const std::string& n : Split(deviceCounts))
            {
                for (const std::string& quantizer : Split(quantizers))
                {
                    caseList.push_back(scenario + ":" + quantizer + ":" + n);
                }
            }
        }
    }
    int failures = 0;
    for (const std::string& oneOf : caseList)
    {
        std::ostringstream command;
        command << "'" << argv[0] << "' --case=" << oneOf << " --rounds=" << rounds
                << " --model=" << model << " --seed=" << seed;
        FILE* child = popen(command.str().c_str(), "r");
        if (!child)
        {
            std::cerr << "scenario-bench: cannot run " << command.str() << std::endl;
            return 1;
        }
        std::string row;
        char buffer[512];
        while (fgets(buffer, sizeof(buffer), child))
        {
            row += buffer;
        }
        const int status = pclose(child);
        if (status != 0 || row.empty())
        {
            std::cerr << "scenario-bench: case " << oneOf << " failed" << std::endl;
            ++failures;
            continue;
        }
        std::cout << row << std::flush;
        csv << row << std::flush;
    }
    std::cout << "CSV: " << csvPath << std::endl;
    return failures == 0 ? 0 : 1;
}
