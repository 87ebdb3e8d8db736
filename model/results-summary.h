/*
 * ResultsSummary: the comparison of runs that a person reads at the end of
 * an experiment (the experiment driver) or later (edge-learning-report).
 * Computed from the rows of a ResultsDatabase, never from live objects, so
 * that a table printed at the end of a run and one printed from its file
 * are the same table.
 */
#ifndef EDGE_LEARNING_RESULTS_SUMMARY_H
#define EDGE_LEARNING_RESULTS_SUMMARY_H

#include "ns3/results-database.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ns3 {

/** One evaluated round of a run: a point of the accuracy curves. */
struct AccuracyPoint
{
    uint32_t round{0};
    uint32_t roundsSoFar{0};           //!< rounds written up to and including this one
    double tEndS{0};                   //!< simulated time at the end of the round
    uint64_t cumulativeUplinkBits{0};  //!< payload bits of completed uploads, rounds 0..round
    uint64_t cumulativeUplinkBytes{0}; //!< wire bytes of completed uploads, rounds 0..round
    double accuracy{0};
    std::optional<double> loss;
};

/** The summary of one run (one row of the table). */
struct RunSummary
{
    int64_t runId{0};
    std::string batch;
    std::string status;
    std::string scenario;
    std::string quantizer;
    std::string plan;
    std::string model;
    uint32_t nDevices{0};
    uint64_t seed{0};
    uint32_t rounds{0};                      //!< rounds written
    std::optional<double> finalAccuracy;     //!< of the last evaluated round
    std::optional<double> bestAccuracy;      //!< highest over evaluated rounds
    uint64_t uplinkBits{0};                  //!< payload bits, all rounds
    uint64_t uplinkBytes{0};                 //!< wire bytes, all rounds
    double uplinkMb{0};                      //!< uplinkBytes / 1e6
    std::optional<double> meanRoundLatencyS; //!< mean of t_end_s - t_start_s over rounds
    double simTimeS{0};                      //!< t_end_s of the last round
    /**
     * Simulated time (t_end_s) of the first evaluated round whose accuracy
     * reaches the common target: the highest accuracy that every compared
     * run reaches, i.e. the smallest best accuracy among them. Unset when a
     * compared run has no evaluated round.
     */
    std::optional<double> timeToTargetS;
    std::optional<uint32_t> roundsToTarget; //!< rounds written up to that round
    std::optional<double> uplinkMbToTarget; //!< wire MB up to and including that round
    uint64_t stragglers{0}; //!< device-rounds not aggregated: sum of n_devices - devices_done
    std::vector<AccuracyPoint> curve; //!< evaluated rounds, in order
};

/**
 * \brief Summary table, CSV and gnuplot plots of a set of runs.
 *
 * The compared set is the runs given; the common accuracy target is
 * computed over exactly that set.
 */
class ResultsSummary
{
  public:
    /** Reads the runs (missing run ids end with NS_FATAL_ERROR naming them). */
    ResultsSummary(const ResultsDatabase& db, const std::vector<int64_t>& runIds);
    /** From rows already read: one run and its rounds per entry (tests, tools). */
    ResultsSummary(const std::vector<std::pair<StoredRun, std::vector<RoundRecord>>>& runs);

    const std::vector<RunSummary>& GetRuns() const;
    /** The highest accuracy every run reaches; unset if a run was never evaluated. */
    std::optional<double> GetCommonAccuracy() const;

    /** The table a person reads in ten seconds (fixed-width columns). */
    void Print(std::ostream& os) const;
    /** One row per run, header first; optionals are empty fields. */
    void WriteCsv(std::ostream& os) const;
    /** One row per evaluated round of every run (the plots' data). */
    void WriteCurvesCsv(std::ostream& os) const;

    /**
     * Writes, under folder `dir` (created if missing), the curves as
     * `<prefix>curves.csv`, a gnuplot script `<prefix>plots.gp` and, when
     * gnuplot runs, `<prefix>accuracy-vs-round.png`,
     * `<prefix>accuracy-vs-uplink-bits.png` and `<prefix>accuracy-vs-time.png`
     * (one line per run, labelled by quantizer). Returns false with *note
     * saying why when no PNG was drawn (gnuplot missing, no evaluated
     * round, a file not writable); never ends the program.
     */
    bool WritePlots(const std::string& dir, const std::string& prefix, std::string* note) const;
    /**
     * The gnuplot script WritePlots runs inside `dir`: it reads
     * `<prefix>curves.csv` from its own folder, so it can be rerun there.
     */
    std::string MakeGnuplotScript(const std::string& prefix) const;

    /** Label of a run in plots: its quantizer, plus the run id when a quantizer repeats. */
    std::string GetLabel(const RunSummary& run) const;

  private:
    void Compute(const std::vector<std::pair<StoredRun, std::vector<RoundRecord>>>& runs);

    std::vector<RunSummary> m_runs;
    std::optional<double> m_commonAccuracy;
};

} // namespace ns3

#endif /* EDGE_LEARNING_RESULTS_SUMMARY_H */
