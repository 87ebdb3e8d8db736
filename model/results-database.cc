/*
 * ResultsDatabase: the module's SQLite writer (and reader, for reports).
 *
 * Why it looks the way it does:
 *  - WAL journal with synchronous=NORMAL: a round's commit is one append to
 *    the log (no fsync of the main file per round), readers (a notebook, the
 *    report) never block the writer, and a crash loses at most the last
 *    round, never the file.
 *  - Prepared statements, created once at Open, bound and reset per row: the
 *    per-round cost is the inserts themselves, not SQL parsing.
 *  - One transaction per round (round row + its uploads): a reader sees a
 *    round and all its uploads together, or neither.
 *  - PRAGMA user_version carries the schema version. A file with another
 *    version, with foreign tables and no version, or that is not SQLite at
 *    all is refused with a message naming the path and what was found; rows
 *    of two layouts are never mixed in one file.
 *  - Unsigned 64-bit counters are stored bit for bit in SQLite's signed
 *    64-bit INTEGER (values above 2^63 - 1 read back unchanged through this
 *    class; plain SQL sees them negative).
 */

#include "results-database.h"

#include "ns3/log.h"
#include "ns3/string.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sqlite3.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("ResultsDatabase");

NS_OBJECT_ENSURE_REGISTERED(ResultsDatabase);

namespace {

/** Schema of version ResultsDatabase::SCHEMA_VERSION. */
const char* const kSchemaSql
    = "CREATE TABLE runs("
      " run_id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " batch TEXT NOT NULL,"
      " status TEXT NOT NULL CHECK (status IN ('running','complete','incomplete')),"
      " scenario TEXT NOT NULL,"
      " quantizer TEXT NOT NULL,"
      " plan TEXT NOT NULL,"
      " n_devices INTEGER NOT NULL,"
      " dimension INTEGER NOT NULL,"
      " model TEXT NOT NULL,"
      " seed INTEGER NOT NULL,"
      " params TEXT NOT NULL,"
      " started_utc TEXT NOT NULL,"
      " finished_utc TEXT);"
      "CREATE INDEX runs_by_batch ON runs(batch);"
      "CREATE INDEX runs_by_method ON runs(scenario, quantizer);"
      "CREATE TABLE devices("
      " run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
      " device INTEGER NOT NULL,"
      " x_m REAL NOT NULL,"
      " y_m REAL NOT NULL,"
      " distance_m REAL NOT NULL,"
      " n_samples INTEGER NOT NULL,"
      " label_histogram TEXT NOT NULL,"
      " PRIMARY KEY (run_id, device));"
      "CREATE TABLE rounds("
      " run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
      " round INTEGER NOT NULL,"
      " t_start_s REAL NOT NULL,"
      " t_end_s REAL NOT NULL,"
      " uplink_bits INTEGER NOT NULL,"
      " uplink_bytes INTEGER NOT NULL,"
      " devices_done INTEGER NOT NULL,"
      " accuracy REAL,"
      " loss REAL,"
      " PRIMARY KEY (run_id, round));"
      // A device may in principle upload twice in a round (a retry recorded
      // separately): the key is a row id, the index serves the lookups.
      "CREATE TABLE uploads("
      " upload_id INTEGER PRIMARY KEY,"
      " run_id INTEGER NOT NULL,"
      " round INTEGER NOT NULL,"
      " device INTEGER NOT NULL,"
      " payload_bits INTEGER NOT NULL,"
      " wire_bytes INTEGER NOT NULL,"
      " t_start_s REAL NOT NULL,"
      " t_end_s REAL,"
      " completed INTEGER NOT NULL CHECK (completed IN (0, 1)),"
      " cos_similarity REAL,"
      " FOREIGN KEY (run_id, round) REFERENCES rounds(run_id, round) ON DELETE CASCADE);"
      "CREATE INDEX uploads_by_round ON uploads(run_id, round, device);"
      "CREATE INDEX uploads_by_device ON uploads(run_id, device);";

const char* const kInsertRunSql
    = "INSERT INTO runs(batch, status, scenario, quantizer, plan, n_devices, dimension, model,"
      " seed, params, started_utc) VALUES (?,'running',?,?,?,?,?,?,?,?,?)";
const char* const kInsertDeviceSql
    = "INSERT INTO devices(run_id, device, x_m, y_m, distance_m, n_samples, label_histogram)"
      " VALUES (?,?,?,?,?,?,?)";
const char* const kInsertRoundSql
    = "INSERT INTO rounds(run_id, round, t_start_s, t_end_s, uplink_bits, uplink_bytes,"
      " devices_done, accuracy, loss) VALUES (?,?,?,?,?,?,?,?,?)";
const char* const kInsertUploadSql
    = "INSERT INTO uploads(run_id, round, device, payload_bits, wire_bytes, t_start_s, t_end_s,"
      " completed, cos_similarity) VALUES (?,?,?,?,?,?,?,?,?)";
const char* const kFinishRunSql = "UPDATE runs SET status = ?, finished_utc = ? WHERE run_id = ?";

/** Current UTC time as ISO-8601 with a Z suffix, to the second. */
std::string
NowUtc()
{
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

/**
 * The batch label of this process: its start (first use) and pid. Every run
 * that one program writes, through any number of ResultsDatabase objects,
 * shares it; two invocations never do.
 */
const std::string&
ProcessBatch()
{
    static const std::string batch = NowUtc() + "/pid" + std::to_string(getpid());
    return batch;
}

/** A JSON array of unsigned integers, e.g. [12,0,5]. */
std::string
HistogramToJson(const std::vector<uint64_t>& histogram)
{
    std::string json = "[";
    for (size_t i = 0; i < histogram.size(); ++i)
    {
        if (i > 0)
        {
            json += ',';
        }
        json += std::to_string(histogram[i]);
    }
    json += ']';
    return json;
}

/** Parses HistogramToJson's format (whitespace tolerated); false if malformed. */
bool
HistogramFromJson(const std::string& json, std::vector<uint64_t>* histogram)
{
    histogram->clear();
    size_t i = 0;
    auto skipSpace = [&]()
    {
        while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t'))
        {
            ++i;
        }
    };
    skipSpace();
    if (i >= json.size() || json[i] != '[')
    {
        return false;
    }
    ++i;
    skipSpace();
    if (i < json.size() && json[i] == ']')
    {
        ++i;
        skipSpace();
        return i == json.size();
    }
    while (true)
    {
        skipSpace();
        if (i >= json.size() || json[i] < '0' || json[i] > '9')
        {
            return false;
        }
        uint64_t value = 0;
        while (i < json.size() && json[i] >= '0' && json[i] <= '9')
        {
            uint64_t digit = static_cast<uint64_t>(json[i] - '0');
            if (value > (UINT64_MAX - digit) / 10)
            {
                return false;
            }
            value = value * 10 + digit;
            ++i;
        }
        histogram->push_back(value);
        skipSpace();
        if (i < json.size() && json[i] == ',')
        {
            ++i;
            continue;
        }
        if (i < json.size() && json[i] == ']')
        {
            ++i;
            skipSpace();
            return i == json.size();
        }
        return false;
    }
}

/** Binds an optional double: NULL when unset. */
int
BindOptional(sqlite3_stmt* statement, int index, const std::optional<double>& value)
{
    return value ? sqlite3_bind_double(statement, index, *value)
                 : sqlite3_bind_null(statement, index);
}

std::optional<double>
ColumnOptional(sqlite3_stmt* statement, int index)
{
    if (sqlite3_column_type(statement, index) == SQLITE_NULL)
    {
        return std::nullopt;
    }
    return sqlite3_column_double(statement, index);
}

std::string
ColumnText(sqlite3_stmt* statement, int index)
{
    const unsigned char* text = sqlite3_column_text(statement, index);
    return text ? reinterpret_cast<const char*>(text) : "";
}

/** Finalizes a statement when the scope ends (reading queries). */
struct StatementGuard
{
    sqlite3_stmt* statement;

    ~StatementGuard()
    {
        sqlite3_finalize(statement);
    }
};

/**
 * A write inside a transaction failed: roll the transaction back and stop
 * with SQLite's reason (read before the rollback replaces it).
 */
[[noreturn]] void
RollbackAndFail(sqlite3* db, const std::string& path, sqlite3_stmt* statement,
                const std::string& what)
{
    std::string sqlMessage = sqlite3_errmsg(db);
    sqlite3_reset(statement);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    NS_FATAL_ERROR("ResultsDatabase " << path << ": " << what << ": " << sqlMessage);
}

/**
 * Steps a reading query through every row; readRow() reads the current row
 * of the statement. Returns false when sqlite3_step failed before the end.
 */
template<typename ReadRow>
bool
ForEachRow(sqlite3_stmt* statement, ReadRow readRow)
{
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
    {
        readRow();
    }
    return rc == SQLITE_DONE;
}

} // namespace

TypeId
ResultsDatabase::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::ResultsDatabase")
              .SetParent<Object>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<ResultsDatabase>()
              .AddAttribute("Batch",
                            "Label written into runs.batch to group the runs of one invocation "
                            "(the report's default selection). Empty: one label per process, "
                            "made of its start time (UTC) and pid.",
                            StringValue(""), MakeStringAccessor(&ResultsDatabase::m_batch),
                            MakeStringChecker());
    return tid;
}

ResultsDatabase::ResultsDatabase()
{
    NS_LOG_FUNCTION(this);
}

ResultsDatabase::~ResultsDatabase()
{
    NS_LOG_FUNCTION(this);
    Close();
}

void
ResultsDatabase::DoDispose()
{
    NS_LOG_FUNCTION(this);
    Close();
    Object::DoDispose();
}

void
ResultsDatabase::Open(const std::string& path)
{
    NS_LOG_FUNCTION(this << path);
    std::string error;
    if (!TryOpen(path, &error))
    {
        NS_FATAL_ERROR("ResultsDatabase: " << error);
    }
}

bool
ResultsDatabase::TryOpen(const std::string& path, std::string* error)
{
    NS_LOG_FUNCTION(this << path);
    return DoOpen(path, false, error);
}

bool
ResultsDatabase::TryOpenReadOnly(const std::string& path, std::string* error)
{
    NS_LOG_FUNCTION(this << path);
    return DoOpen(path, true, error);
}

bool
ResultsDatabase::DoOpen(const std::string& path, bool readOnly, std::string* error)
{
    std::string ignored;
    std::string& message = error ? *error : ignored;
    if (m_db)
    {
        message = "already open (" + m_path + "); Close it before opening " + path;
        return false;
    }
    if (path.empty())
    {
        message = "empty database path";
        return false;
    }
    if (readOnly)
    {
        struct stat info;
        if (stat(path.c_str(), &info) != 0)
        {
            message = path + ": cannot read results database (" + std::strerror(errno) + ")";
            return false;
        }
    }

    sqlite3* db = nullptr;
    int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    // On failure SQLite may still return a handle, which carries the message
    // and must be closed.
    auto fail = [&](const std::string& what)
    {
        message = path + ": " + what;
        sqlite3_close_v2(db);
        return false;
    };
    if (rc != SQLITE_OK)
    {
        return fail(std::string("cannot open (") + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))
                    + ")");
    }
    sqlite3_extended_result_codes(db, 1);
    // Another process may be committing a round (WAL lets readers through,
    // but writers queue): wait rather than fail at once.
    sqlite3_busy_timeout(db, 5000);

    // The first read of the header tells a non-SQLite file apart.
    int version = -1;
    int tables = -1;
    {
        sqlite3_stmt* statement = nullptr;
        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nullptr);
        if (rc == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
        {
            version = sqlite3_column_int(statement, 0);
        }
        else
        {
            rc = sqlite3_errcode(db);
        }
        sqlite3_finalize(statement);
    }
    if (version < 0)
    {
        if ((rc & 0xff) == SQLITE_NOTADB)
        {
            return fail("not an SQLite database (" + std::string(sqlite3_errmsg(db))
                        + "); refusing to use it as a results database");
        }
        return fail(std::string("cannot read the schema version (") + sqlite3_errmsg(db) + ")");
    }
    {
        sqlite3_stmt* statement = nullptr;
        rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1,
                                &statement, nullptr);
        if (rc == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
        {
            tables = sqlite3_column_int(statement, 0);
        }
        sqlite3_finalize(statement);
    }
    if (tables < 0)
    {
        return fail(std::string("cannot list tables (") + sqlite3_errmsg(db) + ")");
    }

    if (version != SCHEMA_VERSION)
    {
        if (version == 0 && tables > 0)
        {
            return fail("an SQLite file with " + std::to_string(tables)
                        + " table(s) and no edge-learning schema version (user_version 0); "
                          "not a results database of this module, refusing to mix rows");
        }
        if (version != 0)
        {
            return fail("results schema version " + std::to_string(version)
                        + " found, this build reads and writes version "
                        + std::to_string(SCHEMA_VERSION)
                        + "; use another file (rows of two layouts are never mixed)");
        }
        // version 0, no tables: a new (or empty) file.
        if (readOnly)
        {
            return fail("empty file, no results schema");
        }
    }

    m_db = db;
    m_path = path;
    m_readOnly = readOnly;
    if (!readOnly)
    {
        char* sqlError = nullptr;
        auto exec = [&](const char* sql)
        {
            if (sqlite3_exec(m_db, sql, nullptr, nullptr, &sqlError) != SQLITE_OK)
            {
                message = path + ": " + (sqlError ? sqlError : "SQL error")
                          + " (in: " + std::string(sql).substr(0, 60) + ")";
                sqlite3_free(sqlError);
                return false;
            }
            return true;
        };
        // journal_mode returns a row; exec ignores it. A file system without
        // shared memory silently stays in "delete" mode, which is still correct.
        bool ok = exec("PRAGMA journal_mode = WAL") && exec("PRAGMA synchronous = NORMAL")
                  && exec("PRAGMA foreign_keys = ON");
        if (ok && version == 0)
        {
            // Created in one transaction with its version: a crash leaves
            // either nothing or the whole schema.
            std::string create = std::string("BEGIN IMMEDIATE;") + kSchemaSql
                                 + "PRAGMA user_version = " + std::to_string(SCHEMA_VERSION)
                                 + ";COMMIT;";
            ok = exec(create.c_str());
            if (!ok)
            {
                sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        }
        if (ok)
        {
            struct
            {
                sqlite3_stmt** statement;
                const char* sql;
            } statements[] = {{&m_insertRun, kInsertRunSql},
                              {&m_insertDevice, kInsertDeviceSql},
                              {&m_insertRound, kInsertRoundSql},
                              {&m_insertUpload, kInsertUploadSql},
                              {&m_finishRun, kFinishRunSql}};
            for (auto& entry : statements)
            {
                if (sqlite3_prepare_v2(m_db, entry.sql, -1, entry.statement, nullptr) != SQLITE_OK)
                {
                    message = path + ": cannot prepare a statement (" + sqlite3_errmsg(m_db) + ")";
                    ok = false;
                    break;
                }
            }
        }
        if (!ok)
        {
            Close();
            return false;
        }
    }
    NS_LOG_INFO("opened " << path << (readOnly ? " read-only" : "") << ", schema version "
                          << SCHEMA_VERSION);
    return true;
}

bool
ResultsDatabase::IsOpen() const
{
    return m_db != nullptr;
}

std::string
ResultsDatabase::GetPath() const
{
    return m_path;
}

std::string
ResultsDatabase::GetBatch() const
{
    return m_batch.empty() ? ProcessBatch() : m_batch;
}

void
ResultsDatabase::Close()
{
    NS_LOG_FUNCTION(this);
    for (sqlite3_stmt** statement :
         {&m_insertRun, &m_insertDevice, &m_insertRound, &m_insertUpload, &m_finishRun})
    {
        sqlite3_finalize(*statement);
        *statement = nullptr;
    }
    if (m_db)
    {
        // Every statement is finalized: close cannot be busy.
        sqlite3_close(m_db);
        m_db = nullptr;
    }
    m_readOnly = false;
}

void
ResultsDatabase::Fail(const char* what) const
{
    NS_FATAL_ERROR("ResultsDatabase " << m_path << ": " << what << ": "
                                      << (m_db ? sqlite3_errmsg(m_db) : "not open"));
}

void
ResultsDatabase::CheckOpen(const char* what) const
{
    if (!m_db)
    {
        NS_FATAL_ERROR("ResultsDatabase: " << what << " before Open");
    }
}

void
ResultsDatabase::Exec(const char* sql, const char* what)
{
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    {
        Fail(what);
    }
}

sqlite3_stmt*
ResultsDatabase::Prepare(const char* sql, const char* what) const
{
    CheckOpen(what);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) != SQLITE_OK)
    {
        Fail(what);
    }
    return statement;
}

int64_t
ResultsDatabase::BeginRun(const RunRecord& run)
{
    NS_LOG_FUNCTION(this << run.scenario << run.quantizer);
    CheckOpen("BeginRun");
    if (m_readOnly)
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path << ": BeginRun on a read-only database");
    }
    if (run.scenario.empty() || run.quantizer.empty() || run.model.empty())
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path
                                          << ": BeginRun needs scenario, quantizer and model "
                                             "(got scenario '"
                                          << run.scenario << "', quantizer '" << run.quantizer
                                          << "', model '" << run.model << "')");
    }
    std::string params = run.params.empty() ? "{}" : run.params;
    // Parameters are promised as JSON: check with SQLite's own parser where
    // it has one (JSON is built in from 3.38), so notebooks can json_extract.
    if (sqlite3_libversion_number() >= 3038000)
    {
        sqlite3_stmt* check = Prepare("SELECT json_valid(?)", "checking params JSON");
        StatementGuard guard{check};
        sqlite3_bind_text(check, 1, params.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(check) != SQLITE_ROW)
        {
            Fail("checking params JSON");
        }
        if (sqlite3_column_int(check, 0) != 1)
        {
            NS_FATAL_ERROR("ResultsDatabase " << m_path
                                              << ": run params are not valid JSON: " << params);
        }
    }
    std::string batch = GetBatch();
    std::string started = NowUtc();
    sqlite3_stmt* s = m_insertRun;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_text(s, 1, batch.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, run.scenario.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, run.quantizer.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, run.plan.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, run.nDevices);
    sqlite3_bind_int64(s, 6, static_cast<sqlite3_int64>(run.dimension));
    sqlite3_bind_text(s, 7, run.model.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 8, static_cast<sqlite3_int64>(run.seed));
    sqlite3_bind_text(s, 9, params.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, started.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
    {
        Fail("inserting a run");
    }
    sqlite3_reset(s);
    int64_t runId = sqlite3_last_insert_rowid(m_db);
    NS_LOG_INFO("run " << runId << " (" << run.scenario << ", " << run.quantizer << ") in batch "
                       << batch);
    return runId;
}

void
ResultsDatabase::WriteDevices(int64_t runId, const std::vector<DeviceRecord>& devices)
{
    NS_LOG_FUNCTION(this << runId << devices.size());
    CheckOpen("WriteDevices");
    Exec("BEGIN IMMEDIATE", "beginning the devices transaction");
    sqlite3_stmt* s = m_insertDevice;
    for (const DeviceRecord& device : devices)
    {
        std::string histogram = HistogramToJson(device.labelHistogram);
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, runId);
        sqlite3_bind_int64(s, 2, device.device);
        sqlite3_bind_double(s, 3, device.xM);
        sqlite3_bind_double(s, 4, device.yM);
        sqlite3_bind_double(s, 5, device.distanceM);
        sqlite3_bind_int64(s, 6, static_cast<sqlite3_int64>(device.nSamples));
        sqlite3_bind_text(s, 7, histogram.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) != SQLITE_DONE)
        {
            RollbackAndFail(m_db, m_path, s,
                            "inserting device " + std::to_string(device.device) + " of run "
                                + std::to_string(runId));
        }
    }
    sqlite3_reset(s);
    Exec("COMMIT", "committing the devices");
}

void
ResultsDatabase::WriteRound(int64_t runId, const RoundRecord& round,
                            const std::vector<UploadRecord>& uploads)
{
    NS_LOG_FUNCTION(this << runId << round.round << uploads.size());
    CheckOpen("WriteRound");
    for (const UploadRecord& upload : uploads)
    {
        if (upload.round != round.round)
        {
            NS_FATAL_ERROR("ResultsDatabase " << m_path << ": round " << round.round << " of run "
                                              << runId << " given an upload of round "
                                              << upload.round << " (device " << upload.device
                                              << ")");
        }
    }
    // Bad values are bugs upstream; refusing them keeps every report honest.
    if (!std::isfinite(round.tStartS) || !std::isfinite(round.tEndS) || round.tEndS < round.tStartS)
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path << ": round " << round.round << " of run "
                                          << runId << " has times [" << round.tStartS << ", "
                                          << round.tEndS << "] s (need finite, end >= start)");
    }
    if (round.accuracy && !(*round.accuracy >= 0 && *round.accuracy <= 1))
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path << ": round " << round.round << " of run "
                                          << runId << " has accuracy " << *round.accuracy
                                          << " (need a fraction in [0, 1])");
    }
    Exec("BEGIN IMMEDIATE", "beginning a round transaction");

    sqlite3_stmt* s = m_insertRound;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, runId);
    sqlite3_bind_int64(s, 2, round.round);
    sqlite3_bind_double(s, 3, round.tStartS);
    sqlite3_bind_double(s, 4, round.tEndS);
    sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(round.uplinkBits));
    sqlite3_bind_int64(s, 6, static_cast<sqlite3_int64>(round.uplinkBytes));
    sqlite3_bind_int64(s, 7, round.devicesDone);
    BindOptional(s, 8, round.accuracy);
    BindOptional(s, 9, round.loss);
    if (sqlite3_step(s) != SQLITE_DONE)
    {
        RollbackAndFail(m_db, m_path, s,
                        "inserting round " + std::to_string(round.round) + " of run "
                            + std::to_string(runId));
    }
    sqlite3_reset(s);

    s = m_insertUpload;
    for (const UploadRecord& upload : uploads)
    {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, runId);
        sqlite3_bind_int64(s, 2, upload.round);
        sqlite3_bind_int64(s, 3, upload.device);
        sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(upload.payloadBits));
        sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(upload.wireBytes));
        sqlite3_bind_double(s, 6, upload.tStartS);
        BindOptional(s, 7, upload.tEndS);
        sqlite3_bind_int(s, 8, upload.completed ? 1 : 0);
        BindOptional(s, 9, upload.cosSimilarity);
        if (sqlite3_step(s) != SQLITE_DONE)
        {
            RollbackAndFail(m_db, m_path, s,
                            "inserting the upload of device " + std::to_string(upload.device)
                                + " in round " + std::to_string(upload.round) + " of run "
                                + std::to_string(runId));
        }
    }
    sqlite3_reset(s);
    Exec("COMMIT", "committing a round");
}

void
ResultsDatabase::FinishRun(int64_t runId, const std::string& status)
{
    NS_LOG_FUNCTION(this << runId << status);
    CheckOpen("FinishRun");
    if (status != "complete" && status != "incomplete")
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path << ": FinishRun status '" << status
                                          << "' (expected \"complete\" or \"incomplete\")");
    }
    std::string finished = NowUtc();
    sqlite3_stmt* s = m_finishRun;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, status.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, finished.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, runId);
    if (sqlite3_step(s) != SQLITE_DONE)
    {
        Fail("finishing a run");
    }
    sqlite3_reset(s);
    if (sqlite3_changes(m_db) != 1)
    {
        NS_FATAL_ERROR("ResultsDatabase " << m_path << ": FinishRun of unknown run " << runId);
    }
}

std::vector<int64_t>
ResultsDatabase::GetRunIds() const
{
    sqlite3_stmt* s = Prepare("SELECT run_id FROM runs ORDER BY run_id", "listing runs");
    StatementGuard guard{s};
    std::vector<int64_t> ids;
    if (!ForEachRow(s,
                    [&]()
                    {
                        ids.push_back(sqlite3_column_int64(s, 0));
                    }))
    {
        Fail("listing runs");
    }
    return ids;
}

std::vector<int64_t>
ResultsDatabase::GetLatestBatchRunIds() const
{
    sqlite3_stmt* s = Prepare("SELECT run_id FROM runs WHERE batch ="
                              " (SELECT batch FROM runs ORDER BY run_id DESC LIMIT 1)"
                              " ORDER BY run_id",
                              "listing the latest batch");
    StatementGuard guard{s};
    std::vector<int64_t> ids;
    if (!ForEachRow(s,
                    [&]()
                    {
                        ids.push_back(sqlite3_column_int64(s, 0));
                    }))
    {
        Fail("listing the latest batch");
    }
    return ids;
}

std::optional<StoredRun>
ResultsDatabase::ReadRun(int64_t runId) const
{
    sqlite3_stmt* s = Prepare("SELECT run_id, batch, status, scenario, quantizer, plan, "
                              "n_devices, dimension, model, seed, params, started_utc, "
                              "finished_utc FROM runs WHERE run_id = ?",
                              "reading a run");
    StatementGuard guard{s};
    sqlite3_bind_int64(s, 1, runId);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
    {
        return std::nullopt;
    }
    if (rc != SQLITE_ROW)
    {
        Fail("reading a run");
    }
    StoredRun run;
    run.runId = sqlite3_column_int64(s, 0);
    run.batch = ColumnText(s, 1);
    run.status = ColumnText(s, 2);
    run.record.scenario = ColumnText(s, 3);
    run.record.quantizer = ColumnText(s, 4);
    run.record.plan = ColumnText(s, 5);
    run.record.nDevices = static_cast<uint32_t>(sqlite3_column_int64(s, 6));
    run.record.dimension = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
    run.record.model = ColumnText(s, 8);
    run.record.seed = static_cast<uint64_t>(sqlite3_column_int64(s, 9));
    run.record.params = ColumnText(s, 10);
    run.startedUtc = ColumnText(s, 11);
    if (sqlite3_column_type(s, 12) != SQLITE_NULL)
    {
        run.finishedUtc = ColumnText(s, 12);
    }
    return run;
}

std::vector<DeviceRecord>
ResultsDatabase::ReadDevices(int64_t runId) const
{
    sqlite3_stmt* s = Prepare("SELECT device, x_m, y_m, distance_m, n_samples, label_histogram "
                              "FROM devices WHERE run_id = ? ORDER BY device",
                              "reading devices");
    StatementGuard guard{s};
    sqlite3_bind_int64(s, 1, runId);
    std::vector<DeviceRecord> devices;
    if (!ForEachRow(s,
                    [&]()
                    {
                        DeviceRecord device;
                        device.device = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
                        device.xM = sqlite3_column_double(s, 1);
                        device.yM = sqlite3_column_double(s, 2);
                        device.distanceM = sqlite3_column_double(s, 3);
                        device.nSamples = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
                        std::string json = ColumnText(s, 5);
                        if (!HistogramFromJson(json, &device.labelHistogram))
                        {
                            NS_FATAL_ERROR("ResultsDatabase "
                                           << m_path << ": run " << runId << " device "
                                           << device.device
                                           << ": label_histogram is not a JSON array of "
                                              "counts: "
                                           << json);
                        }
                        devices.push_back(device);
                    }))
    {
        Fail("reading devices");
    }
    return devices;
}

std::vector<RoundRecord>
ResultsDatabase::ReadRounds(int64_t runId) const
{
    sqlite3_stmt* s = Prepare("SELECT round, t_start_s, t_end_s, uplink_bits, uplink_bytes, "
                              "devices_done, accuracy, loss FROM rounds WHERE run_id = ? "
                              "ORDER BY round",
                              "reading rounds");
    StatementGuard guard{s};
    sqlite3_bind_int64(s, 1, runId);
    std::vector<RoundRecord> rounds;
    if (!ForEachRow(s,
                    [&]()
                    {
                        RoundRecord round;
                        round.round = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
                        round.tStartS = sqlite3_column_double(s, 1);
                        round.tEndS = sqlite3_column_double(s, 2);
                        round.uplinkBits = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
                        round.uplinkBytes = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
                        round.devicesDone = static_cast<uint32_t>(sqlite3_column_int64(s, 5));
                        round.accuracy = ColumnOptional(s, 6);
                        round.loss = ColumnOptional(s, 7);
                        rounds.push_back(round);
                    }))
    {
        Fail("reading rounds");
    }
    return rounds;
}

std::vector<UploadRecord>
ResultsDatabase::ReadUploads(int64_t runId) const
{
    sqlite3_stmt* s = Prepare("SELECT round, device, payload_bits, wire_bytes, t_start_s, "
                              "t_end_s, completed, cos_similarity FROM uploads "
                              "WHERE run_id = ? ORDER BY round, device, upload_id",
                              "reading uploads");
    StatementGuard guard{s};
    sqlite3_bind_int64(s, 1, runId);
    std::vector<UploadRecord> uploads;
    if (!ForEachRow(s,
                    [&]()
                    {
                        UploadRecord upload;
                        upload.round = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
                        upload.device = static_cast<uint32_t>(sqlite3_column_int64(s, 1));
                        upload.payloadBits = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
                        upload.wireBytes = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
                        upload.tStartS = sqlite3_column_double(s, 4);
                        upload.tEndS = ColumnOptional(s, 5);
                        upload.completed = sqlite3_column_int(s, 6) != 0;
                        upload.cosSimilarity = ColumnOptional(s, 7);
                        uploads.push_back(upload);
                    }))
    {
        Fail("reading uploads");
    }
    return uploads;
}

} // namespace ns3
