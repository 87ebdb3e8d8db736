/*
 * ResultsSummary: per-run figures and the common-target comparison.
 *
 * Definitions (the table's columns, written once here):
 *  - final accuracy: accuracy of the last evaluated round; best: the maximum
 *    over evaluated rounds (rounds with a NULL accuracy were not evaluated);
 *  - uplink MB: sum of rounds.uplink_bytes (wire bytes of completed uploads,
 *    upload headers included) / 10^6; the curves' "uplink bits" axis is the
 *    cumulative rounds.uplink_bits (the quantizer's payload bits);
 *  - mean round latency: mean over rounds of t_end_s - t_start_s (simulated);
 *  - common target a* = min over the compared runs of their best accuracy:
 *    the highest accuracy that every run reaches. A run's time to target is
 *    the t_end_s (simulated seconds since the start of its simulation) of
 *    its first evaluated round with accuracy >= a*. Because a* is one of the
 *    stored values, the comparison is exact: the run that sets a* reaches it.
 *  - stragglers: device-rounds left out of the aggregate,
 *    sum over rounds of max(0, n_devices - devices_done); a device that
 *    never started its upload counts, like one that was late.
 */

#include "results-summary.h"

#include "ns3/fatal-error.h"
#include "ns3/log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("ResultsSummary");

namespace {

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
std::string
CsvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
    {
        return text;
    }
    std::string quoted = "\"";
    for (char c : text)
    {
        if (c == '"')
        {
            quoted += '"';
        }
        quoted += c;
    }
    return quoted + '"';
}

/** A double with enough digits to read back the same value. */
std::string
Exact(double value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.17g", value);
    return text;
}

template<typename T>
std::string
OptionalField(const std::optional<T>& value)
{
    if (!value)
    {
        return "";
    }
    if constexpr (std::is_floating_point_v<T>)
    {
        return Exact(*value);
    }
    else
    {
        return std::to_string(*value);
    }
}

/** Fixed-point text of an optional, "-" when unset. */
std::string
Fixed(const std::optional<double>& value, int digits)
{
    if (!value)
    {
        return "-";
    }
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << *value;
    return text.str();
}

/** A string for a gnuplot double-quoted literal. */
std::string
GnuplotString(const std::string& text)
{
    std::string quoted = "\"";
    for (char c : text)
    {
        if (c == '"' || c == '\\')
        {
            quoted += '\\';
        }
        quoted += c;
    }
    return quoted + '"';
}

/** A path as one single-quoted shell word. */
std::string
ShellWord(const std::string& text)
{
    std::string quoted = "'";
    for (char c : text)
    {
        if (c == '\'')
        {
            quoted += "'\\''";
        }
        else
        {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string
Truncate(const std::string& text, size_t width)
{
    return text.size() <= width ? text : text.substr(0, width - 1) + "~";
}

} // namespace

ResultsSummary::ResultsSummary(const ResultsDatabase& db, const std::vector<int64_t>& runIds)
{
    NS_LOG_FUNCTION(this << runIds.size());
    std::vector<std::pair<StoredRun, std::vector<RoundRecord>>> runs;
    for (int64_t runId : runIds)
    {
        std::optional<StoredRun> run = db.ReadRun(runId);
        if (!run)
        {
            NS_FATAL_ERROR("ResultsSummary: no run " << runId << " in " << db.GetPath());
        }
        runs.emplace_back(*run, db.ReadRounds(runId));
    }
    Compute(runs);
}

ResultsSummary::ResultsSummary(
    const std::vector<std::pair<StoredRun, std::vector<RoundRecord>>>& runs)
{
    NS_LOG_FUNCTION(this << runs.size());
    Compute(runs);
}

void
ResultsSummary::Compute(const std::vector<std::pair<StoredRun, std::vector<RoundRecord>>>& runs)
{
    m_runs.clear();
    for (const auto& [stored, rounds] : runs)
    {
        RunSummary run;
        run.runId = stored.runId;
        run.batch = stored.batch;
        run.status = stored.status;
        run.scenario = stored.record.scenario;
        run.quantizer = stored.record.quantizer;
        run.plan = stored.record.plan;
        run.model = stored.record.model;
        run.nDevices = stored.record.nDevices;
        run.seed = stored.record.seed;
        run.rounds = static_cast<uint32_t>(rounds.size());
        double latencySum = 0;
        for (const RoundRecord& round : rounds)
        {
            run.uplinkBits += round.uplinkBits;
            run.uplinkBytes += round.uplinkBytes;
            latencySum += round.tEndS - round.tStartS;
            run.simTimeS = std::max(run.simTimeS, round.tEndS);
            if (round.devicesDone < run.nDevices)
            {
                run.stragglers += run.nDevices - round.devicesDone;
            }
            if (round.accuracy)
            {
                AccuracyPoint point;
                point.round = round.round;
                point.roundsSoFar = static_cast<uint32_t>(&round - rounds.data()) + 1;
                point.tEndS = round.tEndS;
                point.cumulativeUplinkBits = run.uplinkBits;
                point.cumulativeUplinkBytes = run.uplinkBytes;
                point.accuracy = *round.accuracy;
                point.loss = round.loss;
                run.curve.push_back(point);
                run.finalAccuracy = *round.accuracy;
                if (!run.bestAccuracy || *round.accuracy > *run.bestAccuracy)
                {
                    run.bestAccuracy = *round.accuracy;
                }
            }
        }
        run.uplinkMb = static_cast<double>(run.uplinkBytes) / 1e6;
        if (!rounds.empty())
        {
            run.meanRoundLatencyS = latencySum / static_cast<double>(rounds.size());
        }
        m_runs.push_back(run);
    }

    m_commonAccuracy.reset();
    bool everyRunEvaluated = !m_runs.empty();
    for (const RunSummary& run : m_runs)
    {
        if (!run.bestAccuracy)
        {
            everyRunEvaluated = false;
            break;
        }
        if (!m_commonAccuracy || *run.bestAccuracy < *m_commonAccuracy)
        {
            m_commonAccuracy = run.bestAccuracy;
        }
    }
    if (!everyRunEvaluated)
    {
        m_commonAccuracy.reset();
        return;
    }
    for (RunSummary& run : m_runs)
    {
        for (const AccuracyPoint& point : run.curve)
        {
            if (point.accuracy >= *m_commonAccuracy)
            {
                run.timeToTargetS = point.tEndS;
                run.roundsToTarget = point.roundsSoFar;
                run.uplinkMbToTarget = static_cast<double>(point.cumulativeUplinkBytes) / 1e6;
                break;
            }
        }
    }
}

const std::vector<RunSummary>&
ResultsSummary::GetRuns() const
{
    return m_runs;
}

std::optional<double>
ResultsSummary::GetCommonAccuracy() const
{
    return m_commonAccuracy;
}

std::string
ResultsSummary::GetLabel(const RunSummary& run) const
{
    size_t same = std::count_if(m_runs.begin(), m_runs.end(),
                                [&](const RunSummary& other)
                                {
                                    return other.quantizer == run.quantizer;
                                });
    return same > 1 ? run.quantizer + " #" + std::to_string(run.runId) : run.quantizer;
}

void
ResultsSummary::Print(std::ostream& os) const
{
    std::ios_base::fmtflags flags = os.flags();
    os << "Runs compared: " << m_runs.size();
    if (m_commonAccuracy)
    {
        os << "; common target accuracy (highest every run reaches): " << std::fixed
           << std::setprecision(4) << *m_commonAccuracy;
    }
    else if (!m_runs.empty())
    {
        os << "; no common target (a run has no evaluated round)";
    }
    os << "\n";
    os << std::left << std::setw(5) << "run" << std::setw(9) << "scenario" << std::setw(12)
       << "quantizer" << std::setw(22) << "plan" << std::right << std::setw(7) << "rounds"
       << std::setw(9) << "final" << std::setw(9) << "best" << std::setw(12) << "uplink MB"
       << std::setw(12) << "round s" << std::setw(12) << "t@target s" << std::setw(11)
       << "stragglers"
       << "\n";
    for (const RunSummary& run : m_runs)
    {
        std::ostringstream mb;
        mb << std::fixed << std::setprecision(3) << run.uplinkMb;
        std::string id = std::to_string(run.runId) + (run.status == "complete" ? "" : "*");
        os << std::left << std::setw(5) << id << std::setw(9) << Truncate(run.scenario, 8)
           << std::setw(12) << Truncate(run.quantizer, 11) << std::setw(22)
           << Truncate(run.plan.empty() ? "-" : run.plan, 21) << std::right << std::setw(7)
           << run.rounds << std::setw(9) << Fixed(run.finalAccuracy, 4) << std::setw(9)
           << Fixed(run.bestAccuracy, 4) << std::setw(12) << mb.str() << std::setw(12)
           << Fixed(run.meanRoundLatencyS, 4) << std::setw(12) << Fixed(run.timeToTargetS, 3)
           << std::setw(11) << run.stragglers << "\n";
    }
    os << "(final/best: test accuracy; uplink MB: wire bytes / 1e6; round s: mean simulated "
          "round latency; t@target s: simulated time to the common target; stragglers: "
          "device-rounds not aggregated)\n";
    if (std::any_of(m_runs.begin(), m_runs.end(),
                    [](const RunSummary& run)
                    {
                        return run.status != "complete";
                    }))
    {
        os << "(*: run not complete: status \"running\" (still running, or ended without "
              "FinishRun) or \"incomplete\")\n";
    }
    os.flags(flags);
}

void
ResultsSummary::WriteCsv(std::ostream& os) const
{
    os << "run_id,batch,status,scenario,quantizer,plan,model,n_devices,seed,rounds,"
          "final_accuracy,best_accuracy,uplink_bits,uplink_mb,mean_round_latency_s,sim_time_s,"
          "target_accuracy,time_to_target_s,rounds_to_target,uplink_mb_to_target,stragglers\n";
    for (const RunSummary& run : m_runs)
    {
        os << run.runId << ',' << CsvField(run.batch) << ',' << CsvField(run.status) << ','
           << CsvField(run.scenario) << ',' << CsvField(run.quantizer) << ',' << CsvField(run.plan)
           << ',' << CsvField(run.model) << ',' << run.nDevices << ',' << run.seed << ','
           << run.rounds << ',' << OptionalField(run.finalAccuracy) << ','
           << OptionalField(run.bestAccuracy) << ',' << run.uplinkBits << ',' << Exact(run.uplinkMb)
           << ',' << OptionalField(run.meanRoundLatencyS) << ',' << Exact(run.simTimeS) << ','
           << OptionalField(m_commonAccuracy) << ',' << OptionalField(run.timeToTargetS) << ','
           << OptionalField(run.roundsToTarget) << ',' << OptionalField(run.uplinkMbToTarget) << ','
           << run.stragglers << "\n";
    }
}

void
ResultsSummary::WriteCurvesCsv(std::ostream& os) const
{
    os << "run_id,label,round,t_end_s,cumulative_uplink_bits,cumulative_uplink_bytes,accuracy,"
          "loss\n";
    for (const RunSummary& run : m_runs)
    {
        std::string label = CsvField(GetLabel(run));
        for (const AccuracyPoint& point : run.curve)
        {
            os << run.runId << ',' << label << ',' << point.round << ',' << Exact(point.tEndS)
               << ',' << point.cumulativeUplinkBits << ',' << point.cumulativeUplinkBytes << ','
               << Exact(point.accuracy) << ',' << OptionalField(point.loss) << "\n";
        }
    }
}

std::string
ResultsSummary::MakeGnuplotScript(const std::string& prefix) const
{
    // Curves CSV columns: 1 run_id, 3 round, 4 t_end_s, 5 cumulative bits,
    // 7 accuracy. Each run's rows are contiguous, so filtering by run id
    // (other rows undefined) draws one unbroken line per run.
    std::ostringstream gp;
    std::string data = GnuplotString(prefix + "curves.csv");
    gp << "# Generated by edge-learning's ResultsSummary; run it in this folder:\n"
       << "#   gnuplot " << prefix << "plots.gp\n"
       << "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
       << "  set terminal pngcairo size 960,600 noenhanced\n"
       << "} else {\n"
       << "  set terminal png size 960,600 noenhanced\n"
       << "}\n"
       << "set datafile separator ','\n"
       << "set grid\n"
       << "set key bottom right\n"
       << "set ylabel 'test accuracy'\n";
    if (m_commonAccuracy)
    {
        // The common target as a dashed line: where each curve crosses it is
        // the table's "time to target".
        gp << "set arrow 1 from graph 0, first " << Exact(*m_commonAccuracy)
           << " to graph 1, first " << Exact(*m_commonAccuracy) << " nohead dashtype 2\n"
           << "set label 1 'common target' at graph 0.02, first " << Exact(*m_commonAccuracy)
           << " offset 0, 0.7\n";
    }
    auto plotCommand = [&](int xColumn)
    {
        std::string command = "plot ";
        bool first = true;
        for (const RunSummary& run : m_runs)
        {
            if (run.curve.empty())
            {
                continue;
            }
            if (!first)
            {
                command += ", \\\n     ";
            }
            first = false;
            command += data + " every ::1 using " + std::to_string(xColumn)
                       + ":($1 == " + std::to_string(run.runId)
                       + " ? $7 : 1/0) with linespoints title " + GnuplotString(GetLabel(run));
        }
        return command + "\n";
    };
    gp << "\nset output " << GnuplotString(prefix + "accuracy-vs-round.png") << "\n"
       << "set title 'Accuracy against round'\n"
       << "set xlabel 'round'\n"
       << "unset logscale x\n"
       << plotCommand(3);
    gp << "\nset output " << GnuplotString(prefix + "accuracy-vs-uplink-bits.png") << "\n"
       << "set title 'Accuracy against cumulative uplink payload bits'\n"
       << "set xlabel 'cumulative uplink bits'\n"
       << "set logscale x\n"
       << "set format x '1e%L'\n"
       << plotCommand(5);
    gp << "\nset output " << GnuplotString(prefix + "accuracy-vs-time.png") << "\n"
       << "set title 'Accuracy against simulated time'\n"
       << "set xlabel 'simulated time (s)'\n"
       << "unset logscale x\n"
       << "set format x '% g'\n"
       << plotCommand(4) << "\nunset output\n";
    return gp.str();
}

bool
ResultsSummary::WritePlots(const std::string& dir, const std::string& prefix,
                           std::string* note) const
{
    NS_LOG_FUNCTION(this << dir << prefix);
    std::string ignored;
    std::string& message = note ? *note : ignored;
    std::error_code error;
    std::filesystem::path folder(dir.empty() ? "." : dir);
    std::filesystem::create_directories(folder, error);
    if (error)
    {
        message = "cannot create " + folder.string() + ": " + error.message();
        return false;
    }
    std::filesystem::path curves = folder / (prefix + "curves.csv");
    std::filesystem::path script = folder / (prefix + "plots.gp");
    {
        std::ofstream out(curves);
        WriteCurvesCsv(out);
        if (!out)
        {
            message = "cannot write " + curves.string();
            return false;
        }
    }
    {
        std::ofstream out(script);
        out << MakeGnuplotScript(prefix);
        if (!out)
        {
            message = "cannot write " + script.string();
            return false;
        }
    }
    bool anyCurve = std::any_of(m_runs.begin(), m_runs.end(),
                                [](const RunSummary& run)
                                {
                                    return !run.curve.empty();
                                });
    if (!anyCurve)
    {
        message = "no evaluated round: no plot drawn (wrote " + curves.string() + ")";
        return false;
    }
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        message = "gnuplot not found: no PNG drawn; data in " + curves.string() + ", script in "
                  + script.string();
        return false;
    }
    std::filesystem::path log = folder / (prefix + "plots.log");
    std::string command = "cd " + ShellWord(folder.string()) + " && gnuplot "
                          + ShellWord(prefix + "plots.gp") + " > " + ShellWord(prefix + "plots.log")
                          + " 2>&1";
    int status = std::system(command.c_str());
    if (status != 0)
    {
        message = "gnuplot failed (status " + std::to_string(status) + "); see " + log.string();
        return false;
    }
    message = "plots written to " + folder.string() + ": " + prefix + "accuracy-vs-round.png, "
              + prefix + "accuracy-vs-uplink-bits.png, " + prefix + "accuracy-vs-time.png";
    return true;
}

} // namespace ns3
