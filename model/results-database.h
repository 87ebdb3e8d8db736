/*
 * ResultsDatabase: the module's SQLite writer. One file (WAL journal),
 * prepared statements, one transaction per round. Every bit, second and
 * accuracy point of a run is queryable in SQL.
 *
 * Schema (version SCHEMA_VERSION, stored in PRAGMA user_version;
 * a file of another version is refused with a clear error, never mixed):
 *   runs(run_id, batch, status, scenario, quantizer, plan, n_devices,
 *        dimension, model, seed, params, started_utc, finished_utc)
 *   devices(run_id, device, x_m, y_m, distance_m, n_samples, label_histogram)
 *   rounds(run_id, round, t_start_s, t_end_s, uplink_bits, uplink_bytes,
 *          devices_done, accuracy, loss)
 *   uploads(upload_id, run_id, round, device, payload_bits, wire_bytes,
 *           t_start_s, t_end_s, completed, cos_similarity)
 * `batch` labels the runs of one invocation (attribute "Batch"; by default one
 * label per process), so a report can pick "the runs of the last command".
 * Unsigned 64-bit values are stored bit for bit in SQLite's signed INTEGER.
 */
#ifndef EDGE_LEARNING_RESULTS_DATABASE_H
#define EDGE_LEARNING_RESULTS_DATABASE_H

#include "ns3/object.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace ns3 {

/** Columns of one row of `runs`, as written by BeginRun. */
struct RunRecord
{
    std::string scenario;  //!< "wifi", "lte", "ideal"
    std::string quantizer; //!< method name, e.g. "hgq"
    std::string plan;      //!< resolved plan or method parameters
    uint32_t nDevices{0};
    uint64_t dimension{0}; //!< D, parameters of the model
    std::string model;     //!< "cnn-small", ...
    uint64_t seed{0};      //!< RngRun
    std::string params;    //!< every attribute and command-line value, as JSON
};

/** One row of `devices`. */
struct DeviceRecord
{
    uint32_t device{0};
    double xM{0};
    double yM{0};
    double distanceM{0}; //!< to the server / access point / eNB
    uint64_t nSamples{0};
    std::vector<uint64_t> labelHistogram; //!< stored as a JSON array
};

/** One row of `uploads`. */
struct UploadRecord
{
    uint32_t round{0};
    uint32_t device{0};
    uint64_t payloadBits{0}; //!< bits the quantizer reported (header + payload)
    uint64_t wireBytes{0};   //!< bytes the socket carried (upload header included)
    double tStartS{0};
    std::optional<double> tEndS;         //!< unset for an upload that never completed
    bool completed{false};               //!< false: straggler, left out of the aggregate
    std::optional<double> cosSimilarity; //!< decoded vs true gradient
};

/** One row of `rounds`. */
struct RoundRecord
{
    uint32_t round{0};
    double tStartS{0};
    double tEndS{0};
    uint64_t uplinkBits{0};  //!< sum of payload bits of completed uploads
    uint64_t uplinkBytes{0}; //!< sum of wire bytes of completed uploads
    uint32_t devicesDone{0};
    std::optional<double> accuracy; //!< unset on rounds not evaluated
    std::optional<double> loss;
};

/** A `runs` row as read back. */
struct StoredRun
{
    int64_t runId{0};
    std::string batch;
    std::string status; //!< "running", "complete" or "incomplete"
    RunRecord record;
    std::string startedUtc;                 //!< ISO-8601 UTC, e.g. 2026-12-04T20:31:05Z
    std::optional<std::string> finishedUtc; //!< unset while running
};

/**
 * \brief SQLite writer of runs, devices, rounds and uploads.
 *
 * Errors (cannot open, wrong schema version, a failed statement) end the
 * simulation with NS_FATAL_ERROR naming the file and SQLite's message.
 */
class ResultsDatabase : public Object
{
  public:
    static constexpr int SCHEMA_VERSION = 1;

    static TypeId GetTypeId();
    ResultsDatabase();
    ~ResultsDatabase() override;

    /** Opens (creating if needed) the file; a second run appends. */
    void Open(const std::string& path);
    /**
     * Open without ending the simulation: returns false and sets *error
     * (naming the path and what was found) on failure. Open calls it.
     */
    bool TryOpen(const std::string& path, std::string* error);
    /**
     * Opens an existing results file for reading only (report programs):
     * never creates a file or a schema; same refusals as TryOpen.
     */
    bool TryOpenReadOnly(const std::string& path, std::string* error);
    bool IsOpen() const;
    std::string GetPath() const;

    /**
     * Inserts a `runs` row with status "running" and the batch label;
     * returns its run_id. params must be JSON ("" is stored as {}).
     */
    int64_t BeginRun(const RunRecord& run);
    /** Inserts the rows of `devices` for a run (one transaction). */
    void WriteDevices(int64_t runId, const std::vector<DeviceRecord>& devices);
    /**
     * Writes one round and its uploads in one transaction. Every upload must
     * carry the round's number; times finite with t_end_s >= t_start_s;
     * accuracy, when set, in [0, 1].
     */
    void WriteRound(int64_t runId, const RoundRecord& round,
                    const std::vector<UploadRecord>& uploads);
    /** Sets status ("complete" or "incomplete") and finished_utc. */
    void FinishRun(int64_t runId, const std::string& status);

    /** Label written into `runs.batch` by BeginRun (attribute or per-process). */
    std::string GetBatch() const;

    // Reading (reports, tests, the experiment driver's summary).
    /** Every run_id, ascending. */
    std::vector<int64_t> GetRunIds() const;
    /** The runs sharing the batch of the most recent run (highest run_id), ascending. */
    std::vector<int64_t> GetLatestBatchRunIds() const;
    /** The `runs` row, or nothing when no such run exists. */
    std::optional<StoredRun> ReadRun(int64_t runId) const;
    /** A run's `devices` rows, by device. */
    std::vector<DeviceRecord> ReadDevices(int64_t runId) const;
    /** A run's `rounds` rows, by round. */
    std::vector<RoundRecord> ReadRounds(int64_t runId) const;
    /** A run's `uploads` rows, by round then device. */
    std::vector<UploadRecord> ReadUploads(int64_t runId) const;

    void Close();

  protected:
    void DoDispose() override;

  private:
    // implementation detail, owned by results-database.cc
    bool DoOpen(const std::string& path, bool readOnly, std::string* error);
    void Exec(const char* sql, const char* what);
    void CheckOpen(const char* what) const;
    sqlite3_stmt* Prepare(const char* sql, const char* what) const;
    [[noreturn]] void Fail(const char* what) const;

    sqlite3* m_db{nullptr};
    std::string m_path;
    std::string m_batch; //!< attribute "Batch"; empty: the per-process label
    bool m_readOnly{false};
    sqlite3_stmt* m_insertRun{nullptr};
    sqlite3_stmt* m_insertDevice{nullptr};
    sqlite3_stmt* m_insertRound{nullptr};
    sqlite3_stmt* m_insertUpload{nullptr};
    sqlite3_stmt* m_finishRun{nullptr};
};

} // namespace ns3

#endif /* EDGE_LEARNING_RESULTS_DATABASE_H */
