/*
 * The experiment driver: one simulation per quantizer, same seed, same data,
 * same topology; the runs differ only by how the gradients are quantized.
 *
 * Random streams: the scenario takes streams 0..k-1 (positions, channel,
 * MAC), the applications take k.. (jitter, device seeds), so RngRun (--seed)
 * alone decides a run; the learning task's own seed (partition, initial
 * weights, evaluation subset) is --seed too.
 */
#include "edge-learning-experiment.h"

#include "edge-scenario-helper.h"
#include "ns3/attribute-json.h"
#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/edge-device-application.h"
#include "ns3/edge-learning-helper.h"
#include "ns3/edge-server-application.h"
#include "ns3/gradient-quantizer.h"
#include "ns3/hgq.h"
#include "ns3/learn.h"
#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/results-summary.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"
#include "ns3/vector.h"
#include "ns3/version-defines.h"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeLearningExperiment");

namespace {

double
SecondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/** Progress line at the end of every evaluated round. */
void
PrintRound(std::ostream* out, uint32_t nDevices, const RoundRecord& round)
{
    if (!round.accuracy.has_value())
    {
        return;
    }
    *out << "  round " << std::setw(3) << round.round << "  t " << std::fixed
         << std::setprecision(3) << std::setw(8) << round.tEndS << " s  accuracy "
         << std::setprecision(4) << *round.accuracy << "  uplink " << std::setprecision(3)
         << round.uplinkBytes / 1e6 << " MB  delivered " << round.devicesDone << "/" << nDevices
         << std::defaultfloat << std::endl;
}

} // namespace

EdgeLearningExperiment::EdgeLearningExperiment(const std::string& scenario)
{
    m_config.scenario = scenario;
}

EdgeExperimentConfig&
EdgeLearningExperiment::GetConfig()
{
    return m_config;
}

const EdgeExperimentConfig&
EdgeLearningExperiment::GetConfig() const
{
    return m_config;
}

void
EdgeLearningExperiment::AddCommandLineOptions(CommandLine& cmd)
{
    EdgeExperimentConfig& c = m_config;
    cmd.AddValue("devices", "Number of edge devices", c.devices);
    cmd.AddValue("rounds", "Federated rounds per quantizer", c.rounds);
    cmd.AddValue("model", "Model: softmax, mlp, cnn-small or cnn", c.model);
    cmd.AddValue("partition",
                 "How the training set is split over the devices: iid, shards or dirichlet",
                 c.partition);
    cmd.AddValue("alpha", "Dirichlet concentration (partition=dirichlet; small = skewed)", c.alpha);
    cmd.AddValue("batch", "Mini-batch size of every device in every round", c.batch);
    cmd.AddValue("lr", "Learning rate of the server's SGD step", c.lr);
    cmd.AddValue("momentum", "Heavy-ball momentum of the server's SGD step (0: none)", c.momentum);
    cmd.AddValue("quantizer",
                 "Comma list of quantizers, one run each in this process: fp32, signsgd, "
                 "signsgd-mv, ef-signsgd, qsgd, terngrad, topk, hsq, hgq",
                 c.quantizers);
    cmd.AddValue("plan", "hgq plan 'LxB,LxB,...' (empty: derived from bitsPerCoef)", c.plan);
    cmd.AddValue("bitsPerCoef", "hgq bit budget per coefficient (0: the quantizer's default)",
                 c.bitsPerCoef);
    cmd.AddValue("seed", "Seed of the run (ns-3 RngRun, data partition, initial weights)", c.seed);
    cmd.AddValue("deadline",
                 "Round deadline in simulated seconds; late uploads are stragglers (0: the "
                 "server's default)",
                 c.deadlineS);
    cmd.AddValue("evalEvery", "Evaluate test accuracy every k rounds (and at the last)",
                 c.evalEvery);
    cmd.AddValue("evalSubset", "Test samples used per evaluation (0: all 10,000)", c.evalSubset);
    cmd.AddValue("downlink",
                 "Global model to the devices: ideal (read directly) or model (sent over "
                 "the network)",
                 c.downlink);
    cmd.AddValue("db", "SQLite results file, appended to (none: no file)", c.db);
    cmd.AddValue("dataDir",
                 "Folder of the Fashion-MNIST IDX files (empty: Debian's "
                 "dataset-fashion-mnist package)",
                 c.dataDir);
    cmd.AddValue("progress", "Print one line per evaluated round", c.progress);
}

std::vector<std::string>
EdgeLearningExperiment::SplitList(const std::string& list)
{
    std::vector<std::string> items;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ','))
    {
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        if (first != std::string::npos)
        {
            items.push_back(item.substr(first, last - first + 1));
        }
    }
    return items;
}

namespace {

/** "--name=value" as the user would have typed it. */
template<typename T>
std::string
Option(const std::string& name, const T& value)
{
    std::ostringstream os;
    os << std::setprecision(12) << "--" << name << "=" << value;
    return os.str();
}

/**
 * Checks value against the checker of typeName's attribute (parents
 * included), the same test SetAttribute applies, so each range is written
 * once: in the attribute's definition. On refusal *error names the option
 * and the attribute's range ("type min:max" of a numeric checker) or its
 * accepted values.
 */
bool
CheckAttribute(const std::string& typeName, const std::string& attribute,
               const AttributeValue& value, const std::string& option, std::string* error)
{
    TypeId tid;
    TypeId::AttributeInformation info;
    if (!TypeId::LookupByNameFailSafe(typeName, &tid)
        || !tid.LookupAttributeByName(attribute, &info))
    {
        *error = option + ": " + typeName + " has no attribute " + attribute;
        return false;
    }
    if (info.checker->CreateValidValue(value))
    {
        return true;
    }
    const std::string type = info.checker->GetUnderlyingTypeInformation();
    const auto space = type.find(' ');
    const auto colon = type.rfind(':');
    if (space != std::string::npos && colon != std::string::npos && colon > space)
    {
        *error = option + " is out of range: " + attribute + " must be in ["
                 + type.substr(space + 1, colon - space - 1) + ", " + type.substr(colon + 1) + "]";
    }
    else
    {
        *error = option + " is not valid: " + attribute + " accepts " + type;
    }
    return false;
}

} // namespace

std::string
EdgeLearningExperiment::Validate() const
{
    std::string error;
    return Validate(m_config, &error) ? std::string() : error;
}

bool
EdgeLearningExperiment::Validate(const EdgeExperimentConfig& c, std::string* errorOut)
{
    std::string error;
    const bool ok = [&c, &error]()
    {
        if (c.scenario != "wifi" && c.scenario != "lte" && c.scenario != "ideal")
        {
            error = "scenario \"" + c.scenario + "\" is not wifi, lte or ideal";
            return false;
        }
        if (c.devices == 0)
        {
            error = "--devices must be at least 1";
            return false;
        }
        if (!(c.lr > 0))
        {
            error = Option("lr", c.lr) + ": --lr must be positive";
            return false;
        }
        if (!(c.deadlineS >= 0))
        {
            error = Option("deadline", c.deadlineS) + ": --deadline must be >= 0 seconds";
            return false;
        }
        if (!(c.bitsPerCoef >= 0))
        {
            error = Option("bitsPerCoef", c.bitsPerCoef) + ": --bitsPerCoef must be >= 0";
            return false;
        }
        learn_model_kind model;
        if (learn_model_kind_from_name(c.model.c_str(), &model) != LEARN_OK)
        {
            error = "--model \"" + c.model + "\" is not softmax, mlp, cnn-small or cnn";
            return false;
        }
        learn_partition_kind partition;
        if (learn_partition_kind_from_name(c.partition.c_str(), &partition) != LEARN_OK)
        {
            error = "--partition \"" + c.partition + "\" is not iid, shards or dirichlet";
            return false;
        }

        // Every value Run sets as an attribute, against that attribute's checker.
        const std::string task = "ns3::LearningTask";
        const std::string server = "ns3::EdgeServerApplication";
        if (!CheckAttribute(task, "Model", StringValue(c.model), Option("model", c.model), &error)
            || !CheckAttribute(task, "Partition", StringValue(c.partition),
                               Option("partition", c.partition), &error)
            || !CheckAttribute(task, "DirichletAlpha", DoubleValue(c.alpha),
                               Option("alpha", c.alpha), &error)
            || !CheckAttribute(task, "BatchSize", UintegerValue(c.batch), Option("batch", c.batch),
                               &error)
            || !CheckAttribute(task, "EvalSubsetSize", UintegerValue(c.evalSubset),
                               Option("evalSubset", c.evalSubset), &error)
            || !CheckAttribute(task, "Seed", UintegerValue(c.seed), Option("seed", c.seed), &error)
            || !CheckAttribute(server, "Rounds", UintegerValue(c.rounds),
                               Option("rounds", c.rounds), &error)
            || !CheckAttribute(server, "LearningRate", DoubleValue(c.lr), Option("lr", c.lr),
                               &error)
            || !CheckAttribute(server, "Momentum", DoubleValue(c.momentum),
                               Option("momentum", c.momentum), &error)
            || !CheckAttribute(server, "EvalEvery", UintegerValue(c.evalEvery),
                               Option("evalEvery", c.evalEvery), &error)
            || !CheckAttribute(server, "Downlink", StringValue(c.downlink),
                               Option("downlink", c.downlink), &error))
        {
            return false;
        }
        if (c.deadlineS > 0
            && !CheckAttribute(server, "RoundDeadline", TimeValue(Seconds(c.deadlineS)),
                               Option("deadline", c.deadlineS), &error))
        {
            return false;
        }
        if (!c.dataDir.empty() && !std::filesystem::is_directory(c.dataDir))
        {
            error = Option("dataDir", c.dataDir) + ": no such folder";
            return false;
        }

        // Scenario settings, on the attributes of this scenario's helper.
        Ptr<EdgeScenarioHelper> scenarioHelper = EdgeScenarioHelper::CreateByName(c.scenario);
        const std::string scenarioType = scenarioHelper->GetInstanceTypeId().GetName();
        for (const auto& [name, value] : c.scenarioAttributes)
        {
            if (!CheckAttribute(scenarioType, name, StringValue(value),
                                "scenario setting " + name + "=" + value, &error))
            {
                return false;
            }
        }

        // Every quantizer of the list, built for the model's D now rather
        // than when its run starts (after the runs before it have finished).
        const std::vector<std::string> quantizers = SplitList(c.quantizers);
        if (quantizers.empty())
        {
            error = "--quantizer names no quantizer";
            return false;
        }
        for (const std::string& q : quantizers)
        {
            hgq_method method;
            if (hgq_method_from_name(q.c_str(), &method) != HGQ_OK)
            {
                error = "--quantizer \"" + q
                        + "\" is not one of fp32, signsgd, signsgd-mv, ef-signsgd, qsgd, "
                          "terngrad, topk, hsq, hgq";
                return false;
            }
        }
        const std::string quantizer = "ns3::GradientQuantizer";
        if (!CheckAttribute(quantizer, "Plan", StringValue(c.plan), Option("plan", c.plan), &error))
        {
            return false;
        }
        if (c.bitsPerCoef > 0
            && !CheckAttribute(quantizer, "BitsPerCoefficient", DoubleValue(c.bitsPerCoef),
                               Option("bitsPerCoef", c.bitsPerCoef), &error))
        {
            return false;
        }
        // D from the model alone (Fashion-MNIST: 28 x 28 images, 10 classes;
        // one-sample scratch): the data set is not loaded for this.
        int status = LEARN_OK;
        learn_model* scratchModel = learn_model_create(model, 28, 28, 10, 1, &status);
        if (scratchModel == nullptr)
        {
            error = Option("model", c.model)
                    + ": the model cannot be built: " + learn_strerror(status);
            return false;
        }
        const auto dimension = static_cast<uint32_t>(learn_model_dimension(scratchModel));
        learn_model_destroy(scratchModel);
        const std::string budget = !c.plan.empty()     ? Option("plan", c.plan)
                                   : c.bitsPerCoef > 0 ? Option("bitsPerCoef", c.bitsPerCoef)
                                                       : std::string();
        for (const std::string& q : quantizers)
        {
            // Created here, so Config::SetDefault and --ns3::GradientQuantizer::...
            // apply to it as they will to the quantizers of the run.
            Ptr<GradientQuantizer> trial = CreateObject<GradientQuantizer>();
            trial->SetAttribute("Method", StringValue(q));
            if (!c.plan.empty())
            {
                trial->SetAttribute("Plan", StringValue(c.plan));
            }
            if (c.bitsPerCoef > 0)
            {
                trial->SetAttribute("BitsPerCoefficient", DoubleValue(c.bitsPerCoef));
            }
            const std::string why = trial->CheckConfig(dimension);
            if (!why.empty())
            {
                std::ostringstream os;
                os << (budget.empty() ? Option("quantizer", q) : budget) << ": " << q
                   << " cannot be built for " << c.model << " (D = " << dimension << "): " << why;
                error = os.str();
                return false;
            }
        }
        return true;
    }();
    if (!ok && errorOut != nullptr)
    {
        *errorOut = error;
    }
    return ok;
}

std::string
EdgeLearningExperiment::ParamsJson(const std::string& quantizer,
                                   const std::string& scenarioDescription,
                                   const std::string& attributes) const
{
    const EdgeExperimentConfig& c = m_config;
    std::ostringstream json;
    json << std::setprecision(17) << "{\"scenario\": " << JsonQuote(c.scenario)
         << ", \"devices\": " << c.devices << ", \"rounds\": " << c.rounds
         << ", \"model\": " << JsonQuote(c.model) << ", \"partition\": " << JsonQuote(c.partition)
         << ", \"alpha\": " << c.alpha << ", \"batch\": " << c.batch << ", \"lr\": " << c.lr
         << ", \"momentum\": " << c.momentum << ", \"quantizer\": " << JsonQuote(quantizer)
         << ", \"plan\": " << JsonQuote(c.plan) << ", \"bits_per_coef\": " << c.bitsPerCoef
         << ", \"seed\": " << c.seed << ", \"deadline_s\": " << c.deadlineS
         << ", \"eval_every\": " << c.evalEvery << ", \"eval_subset\": " << c.evalSubset
         << ", \"downlink\": " << JsonQuote(c.downlink) << ", \"scenario_settings\": "
         << (scenarioDescription.empty() ? "{}" : scenarioDescription)
         << ", \"attributes\": " << attributes
         << ", \"command_line\": " << JsonStringArray(m_commandLine) << ", \"ns3_version\": \""
         << NS3_VERSION_MAJOR << "." << NS3_VERSION_MINOR << "." << NS3_VERSION_PATCH << "\"}";
    return json.str();
}

std::string
EdgeLearningExperiment::RunAttributesJson(const EdgeLearningHelper& helper,
                                          Ptr<const EdgeScenarioHelper> scenarioHelper) const
{
    Ptr<const EdgeServerApplication> server = helper.GetServer();
    const ApplicationContainer devices = helper.GetDevices();
    Ptr<const EdgeDeviceApplication> device
        = devices.GetN() > 0 ? DynamicCast<const EdgeDeviceApplication>(devices.Get(0))
                             : Ptr<const EdgeDeviceApplication>();
    std::ostringstream json;
    json << "{\"server\": " << AttributesToJson(server) << ", \"server_quantizer\": "
         << AttributesToJson(server ? server->GetQuantizer() : Ptr<GradientQuantizer>())
         << ", \"device\": " << AttributesToJson(device) << ", \"device_quantizer\": "
         << AttributesToJson(device ? device->GetQuantizer() : Ptr<GradientQuantizer>())
         << ", \"devices_note\": "
         << JsonQuote("device 0 of " + std::to_string(devices.GetN())
                      + "; every device comes from one factory, only DeviceId differs, and each "
                        "device quantizer's Seed is drawn from RngRun at start")
         << ", \"learning_task\": " << AttributesToJson(m_task)
         << ", \"scenario\": " << AttributesToJson(scenarioHelper) << "}";
    return json.str();
}

EdgeExperimentRunResult
EdgeLearningExperiment::RunOne(const std::string& quantizer, std::ostream& out)
{
    const EdgeExperimentConfig& c = m_config;
    const auto t0 = std::chrono::steady_clock::now();
    EdgeExperimentRunResult result;
    result.quantizer = quantizer;

    RngSeedManager::SetRun(c.seed);
    m_task->ResetWallClock();

    Ptr<EdgeScenarioHelper> scenarioHelper = EdgeScenarioHelper::CreateByName(c.scenario);
    for (const auto& [name, value] : c.scenarioAttributes)
    {
        scenarioHelper->SetAttribute(name, StringValue(value));
    }
    EdgeScenario scenario = scenarioHelper->Build(c.devices, 0);

    EdgeLearningHelper helper;
    helper.SetLearningTask(m_task);
    helper.SetQuantizerAttribute("Method", StringValue(quantizer));
    if (!c.plan.empty())
    {
        helper.SetQuantizerAttribute("Plan", StringValue(c.plan));
    }
    if (c.bitsPerCoef > 0)
    {
        helper.SetQuantizerAttribute("BitsPerCoefficient", DoubleValue(c.bitsPerCoef));
    }
    helper.SetServerAttribute("Rounds", UintegerValue(c.rounds));
    helper.SetServerAttribute("LearningRate", DoubleValue(c.lr));
    helper.SetServerAttribute("Momentum", DoubleValue(c.momentum));
    helper.SetServerAttribute("EvalEvery", UintegerValue(c.evalEvery));
    helper.SetServerAttribute("Downlink", StringValue(c.downlink));
    helper.SetServerAttribute("ReferencePosition", VectorValue(scenario.referencePosition));
    if (c.deadlineS > 0)
    {
        helper.SetServerAttribute("RoundDeadline", TimeValue(Seconds(c.deadlineS)));
    }

    ApplicationContainer serverApps = helper.InstallServer(scenario.server);
    ApplicationContainer deviceApps
        = helper.InstallDevices(scenario.devices, scenario.serverAddress);
    if (m_db)
    {
        // After the install, so that the attributes read back are the ones
        // the objects of this run hold (helper settings, Config::SetDefault
        // and --ns3::... alike); the server writes the row when it starts.
        RunRecord run;
        run.scenario = scenario.name;
        run.seed = c.seed;
        run.params = ParamsJson(quantizer, scenario.description,
                                RunAttributesJson(helper, scenarioHelper));
        helper.SetResultsDatabase(m_db, run);
    }
    helper.AssignStreams(scenario.streamsUsed);
    serverApps.Start(scenario.readyTime);
    deviceApps.Start(scenario.readyTime);

    Ptr<EdgeServerApplication> server = helper.GetServer();
    if (c.progress)
    {
        server->TraceConnectWithoutContext("RoundEnd",
                                           MakeBoundCallback(&PrintRound, &out, c.devices));
    }
    // The server stops the simulation after its last round; this guard only
    // ends a run that could never finish (every round is bounded by the
    // deadline, so it is never reached in a working configuration).
    TimeValue deadline;
    server->GetAttribute("RoundDeadline", deadline);
    Simulator::Stop(scenario.readyTime + deadline.Get() * (c.rounds + 2) + Seconds(10));

    Simulator::Run();

    result.finished = server->IsFinished();
    result.runId = server->GetRunId();
    result.run = server->GetRunRecord();
    result.rounds = server->GetRoundRecords();
    result.uploads = server->GetUploadRecords();
    result.simS = Simulator::Now().GetSeconds();
    result.clock = m_task->GetWallClock();
    if (m_db && result.runId >= 0)
    {
        if (!result.finished)
        {
            // The guard stopped a run that could not finish: say so in the
            // runs row rather than leave it "running".
            m_db->FinishRun(result.runId, "incomplete");
        }
        result.devices = m_db->ReadDevices(result.runId);
    }
    Simulator::Destroy();
    result.wallS = SecondsSince(t0);
    return result;
}

int
EdgeLearningExperiment::Run(std::ostream& out)
{
    m_results.clear();
    std::string why;
    if (!Validate(m_config, &why))
    {
        out << m_programName << ": " << why << std::endl;
        return 1;
    }
    const EdgeExperimentConfig& c = m_config;

    // One MSS that fits a 1500-byte MTU with TCP timestamps (ns-3's default
    // 536 would triple the per-packet overhead of every upload).
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));

    const auto setupStart = std::chrono::steady_clock::now();
    m_task = CreateObject<LearningTask>();
    m_task->SetAttribute("Model", StringValue(c.model));
    m_task->SetAttribute("Partition", StringValue(c.partition));
    m_task->SetAttribute("DirichletAlpha", DoubleValue(c.alpha));
    m_task->SetAttribute("BatchSize", UintegerValue(c.batch));
    m_task->SetAttribute("EvalSubsetSize", UintegerValue(c.evalSubset));
    m_task->SetAttribute("Seed", UintegerValue(c.seed));
    if (!c.dataDir.empty())
    {
        m_task->SetAttribute("DataDirectory", StringValue(c.dataDir));
    }
    m_task->Setup(c.devices);
    const double setupS = SecondsSince(setupStart);

    m_db = nullptr;
    if (!c.db.empty() && c.db != "none")
    {
        const std::filesystem::path parent = std::filesystem::path(c.db).parent_path();
        if (!parent.empty())
        {
            std::error_code ec;
            std::filesystem::create_directories(parent, ec);
            if (ec)
            {
                out << "edge-learning: cannot create the folder " << parent
                    << " of --db: " << ec.message() << std::endl;
                return 1;
            }
        }
        m_db = CreateObject<ResultsDatabase>();
        std::string error;
        if (!m_db->TryOpen(c.db, &error))
        {
            out << "edge-learning: --db: " << error << std::endl;
            return 1;
        }
    }

    const std::vector<std::string> quantizers = SplitList(c.quantizers);
    out << "edge-learning " << c.scenario << ": " << c.devices << " devices, " << c.model
        << " (D = " << m_task->GetDimension() << "), " << c.partition << " partition, " << c.rounds
        << " rounds, batch " << c.batch << ", lr " << c.lr << ", seed " << c.seed
        << "; data loaded in " << std::fixed << std::setprecision(2) << setupS << " s"
        << std::defaultfloat << std::endl;

    for (size_t i = 0; i < quantizers.size(); ++i)
    {
        out << "run " << (i + 1) << "/" << quantizers.size() << ": " << quantizers[i] << std::endl;
        EdgeExperimentRunResult result = RunOne(quantizers[i], out);
        result.setupS = (i == 0) ? setupS : 0.0;
        const EdgeLearningWallClock& w = result.clock;
        out << "  " << quantizers[i] << (result.finished ? "" : " (INCOMPLETE)") << ": "
            << result.rounds.size() << " rounds in " << std::fixed << std::setprecision(2)
            << result.simS << " s simulated, " << result.wallS << " s wall (gradients "
            << w.gradientS << " s, quantize " << w.quantizeS << " s, decode " << w.decodeS
            << " s, evaluate " << w.evaluateS << " s)" << std::defaultfloat << std::endl;
        m_results.push_back(std::move(result));
    }

    PrintSummary(out);
    if (m_db)
    {
        out << "results: " << m_db->GetPath() << " (runs";
        for (const auto& r : m_results)
        {
            out << " " << r.runId;
        }
        out << ")" << std::endl;
        m_db->Close();
    }
    return 0;
}

void
EdgeLearningExperiment::UseProgramDefaults()
{
    m_config.model = "cnn-small";
    m_config.batch = 32;
    m_config.lr = 0.1;
    m_config.evalEvery = 5;
    m_config.quantizers = "fp32,signsgd,hgq";
}

int
EdgeLearningExperiment::RunMain(
    int argc, char* argv[], const std::string& programFile, const std::string& usage,
    const std::vector<std::pair<std::string, std::string>>& scenarioOptions)
{
    m_commandLine.assign(argv, argv + argc);
    m_programName = std::filesystem::path(programFile).stem().string();
    CommandLine cmd(programFile);
    cmd.Usage(usage);
    AddCommandLineOptions(cmd);
    for (const auto& [name, attributePath] : scenarioOptions)
    {
        cmd.AddValue(name, attributePath);
    }
    cmd.Parse(argc, argv);
    return Run(std::cout);
}

void
EdgeLearningExperiment::PrintSummary(std::ostream& out) const
{
    out << std::endl;
    if (m_db)
    {
        std::vector<int64_t> runIds;
        for (const auto& r : m_results)
        {
            if (r.runId >= 0)
            {
                runIds.push_back(r.runId);
            }
        }
        if (!runIds.empty())
        {
            ResultsSummary(*m_db, runIds).Print(out);
            return;
        }
    }
    // No database: the same table from the rows kept in memory.
    std::vector<std::pair<StoredRun, std::vector<RoundRecord>>> runs;
    for (size_t i = 0; i < m_results.size(); ++i)
    {
        StoredRun stored;
        stored.runId = static_cast<int64_t>(i + 1);
        stored.status = m_results[i].finished ? "complete" : "incomplete";
        stored.record = m_results[i].run;
        stored.record.scenario = m_config.scenario;
        stored.record.seed = m_config.seed;
        runs.emplace_back(stored, m_results[i].rounds);
    }
    ResultsSummary(runs).Print(out);
}

const std::vector<EdgeExperimentRunResult>&
EdgeLearningExperiment::GetResults() const
{
    return m_results;
}

} // namespace ns3
