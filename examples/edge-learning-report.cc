/*
 * edge-learning-report: reads a results database written by the
 * edge-learning scenarios and prints, per run, the summary table (final and
 * best accuracy, uplink MB, mean round latency, simulated time to the best
 * accuracy every compared run reaches, stragglers); writes it as CSV, and
 * the accuracy curves as CSV and gnuplot PNGs (against round, cumulative
 * uplink bits and simulated time).
 *
 *   ./edge-learning-report                        # the last invocation's runs
 *   ./edge-learning-report --db=results/x.db --runs=3,5-7 --out=plots/
 *   ./edge-learning-report --runs=all --csv=all-runs.csv
 *
 * Which runs are compared (--runs): by default the runs of the most recent
 * invocation, i.e. every run sharing the batch label of the run with the
 * highest run_id (one label per process: a `--quantizer=a,b,c` experiment
 * writes three runs of one batch). "all" compares every run in the file;
 * otherwise a comma list of run ids and ranges (e.g. 3,5-7).
 */

#include "ns3/command-line.h"
#include "ns3/log.h"
#include "ns3/results-database.h"
#include "ns3/results-summary.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace {

/** Parses "3,5-7" into run ids; false with *error on bad text. */
bool
ParseRunList(const std::string& text, std::vector<int64_t>* ids, std::string* error)
{
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        if (item.empty())
        {
            continue;
        }
        size_t dash = item.find('-', 1);
        char* end = nullptr;
        long long first = std::strtoll(item.c_str(), &end, 10);
        long long last = first;
        bool ok = end != item.c_str();
        if (ok && dash != std::string::npos)
        {
            ok = static_cast<size_t>(end - item.c_str()) == dash;
            const char* second = item.c_str() + dash + 1;
            last = std::strtoll(second, &end, 10);
            ok = ok && end != second;
        }
        ok = ok && *end == '\0' && first > 0 && last >= first && last - first < 1000000;
        if (!ok)
        {
            *error = "--runs: '" + item + "' is not a run id or a range like 5-7";
            return false;
        }
        for (long long id = first; id <= last; ++id)
        {
            ids->push_back(id);
        }
    }
    if (ids->empty())
    {
        *error = "--runs: no run id in '" + text + "'";
        return false;
    }
    return true;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string dbPath = "results/edge-learning.db";
    std::string runs;
    std::string out = "results/";
    std::string csv;
    std::string prefix;
    bool plots = true;

    CommandLine cmd(__FILE__);
    cmd.Usage("Summarises the runs of an edge-learning results database: a table per run "
              "(final and best accuracy, total uplink MB, mean round latency, simulated time "
              "to the best accuracy every compared run reaches, stragglers), the same as CSV, "
              "and accuracy curves as CSV and PNG plots (gnuplot).");
    cmd.AddValue("db", "SQLite results file to read (never modified)", dbPath);
    cmd.AddValue("runs",
                 "Runs to compare: empty = the last invocation's runs (those sharing the batch "
                 "of the highest run_id), 'all', or ids and ranges such as 3,5-7",
                 runs);
    cmd.AddValue("out", "Folder for the curves CSV, the gnuplot script and the PNG plots", out);
    cmd.AddValue("csv", "Summary CSV file (empty: <out>/<prefix>summary.csv; '-': stdout)", csv);
    cmd.AddValue("prefix", "Prefix of every file written under --out", prefix);
    cmd.AddValue("plots", "Write the curves and draw the plots", plots);
    cmd.Parse(argc, argv);

    Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
    std::string error;
    if (!db->TryOpenReadOnly(dbPath, &error))
    {
        std::cerr << "edge-learning-report: " << error << std::endl;
        return 1;
    }

    std::vector<int64_t> ids;
    if (runs.empty())
    {
        ids = db->GetLatestBatchRunIds();
    }
    else if (runs == "all")
    {
        ids = db->GetRunIds();
    }
    else if (!ParseRunList(runs, &ids, &error))
    {
        std::cerr << "edge-learning-report: " << error << std::endl;
        return 1;
    }
    if (ids.empty())
    {
        std::cerr << "edge-learning-report: " << dbPath << " holds no run" << std::endl;
        return 1;
    }
    for (int64_t id : ids)
    {
        if (!db->ReadRun(id))
        {
            std::cerr << "edge-learning-report: no run " << id << " in " << dbPath
                      << " (runs: --runs=all)" << std::endl;
            return 1;
        }
    }

    ResultsSummary summary(*db, ids);
    db->Close();
    std::cout << "Results of " << dbPath << "\n";
    summary.Print(std::cout);

    if (csv == "-")
    {
        summary.WriteCsv(std::cout);
    }
    else
    {
        if (csv.empty())
        {
            csv = (std::filesystem::path(out.empty() ? "." : out) / (prefix + "summary.csv"))
                      .string();
        }
        std::error_code ec;
        std::filesystem::path parent = std::filesystem::path(csv).parent_path();
        if (!parent.empty())
        {
            std::filesystem::create_directories(parent, ec);
        }
        std::ofstream file(csv);
        summary.WriteCsv(file);
        file.close();
        if (!file)
        {
            std::cerr << "edge-learning-report: cannot write " << csv << std::endl;
            return 1;
        }
        std::cout << "summary CSV: " << csv << "\n";
    }

    if (plots)
    {
        std::string note;
        summary.WritePlots(out, prefix, &note);
        // Missing gnuplot is a note, not a failure: the CSV and the script
        // are written and can be plotted elsewhere.
        std::cout << note << std::endl;
    }
    return 0;
}
