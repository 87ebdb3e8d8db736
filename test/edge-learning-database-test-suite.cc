/*
 * Suite "edge-learning-database": ResultsDatabase and ResultsSummary.
 *
 * Rows written are read back (through the class and through plain SQL, so
 * the file is what a notebook sees), a second run appends, files of another
 * schema or not SQLite at all are refused with a message naming the path,
 * a round and its uploads are committed together (a failure in the middle
 * of a round leaves neither: checked in a child process, since the failure
 * ends the simulation), the label histogram is a JSON array, and the summary
 * (common target, times, CSV, plots) matches values computed by hand.
 */

#include "ns3/log.h"
#include "ns3/results-database.h"
#include "ns3/results-summary.h"
#include "ns3/string.h"
#include "ns3/test.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sqlite3.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace ns3;

namespace {

/** A fresh folder under the system's temporary directory, removed at the end. */
class TempFolder
{
  public:
    TempFolder()
    {
        std::string pattern
            = (std::filesystem::temp_directory_path() / "edge-learning-db-XXXXXX").string();
        if (mkdtemp(pattern.data()))
        {
            m_path = pattern;
        }
    }

    ~TempFolder()
    {
        if (!m_path.empty())
        {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }

    bool Ok() const
    {
        return !m_path.empty();
    }

    std::string File(const std::string& name) const
    {
        return m_path + "/" + name;
    }

  private:
    std::string m_path;
};

bool
Contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/** Runs SQL on a second, plain connection and returns a column of the first row. */
std::string
QueryText(const std::string& path, const std::string& sql, int column = 0)
{
    sqlite3* db = nullptr;
    std::string result = "<error>";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK)
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK)
        {
            int rc = sqlite3_step(s);
            if (rc == SQLITE_ROW)
            {
                const unsigned char* text = sqlite3_column_text(s, column);
                result = text ? reinterpret_cast<const char*>(text) : "<null>";
            }
            else if (rc == SQLITE_DONE)
            {
                result = "<no row>";
            }
        }
        else
        {
            result = std::string("<error: ") + sqlite3_errmsg(db) + ">";
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return result;
}

/** Runs statements on a plain read-write connection; returns SQLite's message or "". */
std::string
Execute(const std::string& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    std::string error;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)
    {
        error = sqlite3_errmsg(db);
    }
    else
    {
        char* message = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK)
        {
            error = message ? message : "error";
        }
        sqlite3_free(message);
    }
    sqlite3_close(db);
    return error;
}

/**
 * Runs `body` in a child process whose stderr goes to `stderrPath`; true
 * when the child ended abnormally (NS_FATAL_ERROR), with its stderr in *text.
 */
bool
EndsFatally(const std::function<void()>& body, const std::string& stderrPath, std::string* text)
{
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0)
    {
        if (!std::freopen(stderrPath.c_str(), "w", stderr))
        {
            _exit(3);
        }
        body();
        _exit(0); // returned normally: not fatal
    }
    if (pid < 0)
    {
        *text = "fork failed";
        return false;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream in(stderrPath);
    std::stringstream content;
    content << in.rdbuf();
    *text = content.str();
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

RunRecord
MakeRun(const std::string& quantizer, uint32_t nDevices)
{
    RunRecord run;
    run.scenario = "ideal";
    run.quantizer = quantizer;
    run.plan = quantizer == "hgq" ? "L=8,b=2.0" : "";
    run.nDevices = nDevices;
    run.dimension = 101770;
    run.model = "mlp";
    run.seed = 7;
    run.params = "{\"lr\": 0.05, \"devices\": " + std::to_string(nDevices) + "}";
    return run;
}

UploadRecord
MakeUpload(uint32_t round, uint32_t device, bool completed)
{
    UploadRecord upload;
    upload.round = round;
    upload.device = device;
    upload.payloadBits = 1000 + 10 * device + round;
    upload.wireBytes = 200 + device;
    upload.tStartS = round + 0.01 * device;
    if (completed)
    {
        upload.tEndS = round + 0.5 + 0.01 * device;
        upload.cosSimilarity = 0.9;
    }
    upload.completed = completed;
    return upload;
}

} // namespace

/** Every column written is read back, through the class and through SQL. */
class DatabaseRoundTripTestCase : public TestCase
{
  public:
    DatabaseRoundTripTestCase()
        : TestCase("rows written are read back; NULLs for unset optionals; WAL; version")
    {}

  private:
    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");
        std::string path = folder.File("results.db");

        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        NS_TEST_ASSERT_MSG_EQ(db->IsOpen(), false, "open before Open");
        db->Open(path);
        NS_TEST_ASSERT_MSG_EQ(db->IsOpen(), true, "not open after Open");
        NS_TEST_ASSERT_MSG_EQ(db->GetPath(), path, "path");

        RunRecord run = MakeRun("hgq", 2);
        run.seed = UINT64_MAX; // stored bit for bit in a signed INTEGER
        int64_t runId = db->BeginRun(run);
        NS_TEST_ASSERT_MSG_GT(runId, 0, "run id");

        std::vector<DeviceRecord> devices(2);
        devices[0].device = 0;
        devices[0].xM = 3.5;
        devices[0].yM = -4;
        devices[0].distanceM = 5.315;
        devices[0].nSamples = 300;
        devices[0].labelHistogram = {100, 0, 200};
        devices[1].device = 1;
        devices[1].xM = 0;
        devices[1].yM = 12.25;
        devices[1].distanceM = 12.25;
        devices[1].nSamples = 0;
        db->WriteDevices(runId, devices);

        RoundRecord round0;
        round0.round = 0;
        round0.tStartS = 1.0;
        round0.tEndS = 1.75;
        round0.uplinkBits = 2010;
        round0.uplinkBytes = 401;
        round0.devicesDone = 2;
        round0.accuracy = 0.42;
        round0.loss = 1.9;
        db->WriteRound(runId, round0, {MakeUpload(0, 0, true), MakeUpload(0, 1, true)});
        RoundRecord round1;
        round1.round = 1;
        round1.tStartS = 1.75;
        round1.tEndS = 3.0;
        round1.uplinkBits = 1001;
        round1.uplinkBytes = 200;
        round1.devicesDone = 1; // not evaluated: accuracy and loss unset
        db->WriteRound(runId, round1, {MakeUpload(1, 0, true), MakeUpload(1, 1, false)});

        std::optional<StoredRun> stored = db->ReadRun(runId);
        NS_TEST_ASSERT_MSG_EQ(stored.has_value(), true, "run not read back");
        NS_TEST_EXPECT_MSG_EQ(stored->status, "running", "status before FinishRun");
        NS_TEST_EXPECT_MSG_EQ(stored->finishedUtc.has_value(), false, "finished before FinishRun");
        db->FinishRun(runId, "complete");
        stored = db->ReadRun(runId);
        NS_TEST_EXPECT_MSG_EQ(stored->status, "complete", "status");
        NS_TEST_EXPECT_MSG_EQ(stored->record.scenario, "ideal", "scenario");
        NS_TEST_EXPECT_MSG_EQ(stored->record.quantizer, "hgq", "quantizer");
        NS_TEST_EXPECT_MSG_EQ(stored->record.plan, "L=8,b=2.0", "plan");
        NS_TEST_EXPECT_MSG_EQ(stored->record.nDevices, 2, "n_devices");
        NS_TEST_EXPECT_MSG_EQ(stored->record.dimension, 101770, "dimension");
        NS_TEST_EXPECT_MSG_EQ(stored->record.model, "mlp", "model");
        NS_TEST_EXPECT_MSG_EQ(stored->record.seed, UINT64_MAX, "seed (64-bit unsigned)");
        NS_TEST_EXPECT_MSG_EQ(stored->record.params, run.params, "params stored as given");
        NS_TEST_EXPECT_MSG_EQ(stored->batch, db->GetBatch(), "batch");
        NS_TEST_EXPECT_MSG_EQ(db->ReadRun(runId + 1).has_value(), false, "a run that is not");

        // ISO-8601 UTC, to the second: 2026-12-04T20:31:05Z.
        for (const std::string& utc : {stored->startedUtc, stored->finishedUtc.value_or("")})
        {
            bool iso = utc.size() == 20 && utc[4] == '-' && utc[7] == '-' && utc[10] == 'T'
                       && utc[13] == ':' && utc[16] == ':' && utc[19] == 'Z';
            NS_TEST_EXPECT_MSG_EQ(iso, true, "not ISO-8601 UTC: '" << utc << "'");
        }

        std::vector<DeviceRecord> readDevices = db->ReadDevices(runId);
        NS_TEST_ASSERT_MSG_EQ(readDevices.size(), 2, "devices rows");
        NS_TEST_EXPECT_MSG_EQ(readDevices[0].xM, 3.5, "x_m");
        NS_TEST_EXPECT_MSG_EQ(readDevices[0].yM, -4, "y_m");
        NS_TEST_EXPECT_MSG_EQ(readDevices[0].distanceM, 5.315, "distance_m");
        NS_TEST_EXPECT_MSG_EQ(readDevices[0].nSamples, 300, "n_samples");
        NS_TEST_EXPECT_MSG_EQ((readDevices[0].labelHistogram == devices[0].labelHistogram), true,
                              "label histogram");
        NS_TEST_EXPECT_MSG_EQ(readDevices[1].labelHistogram.empty(), true, "empty histogram");

        std::vector<RoundRecord> rounds = db->ReadRounds(runId);
        NS_TEST_ASSERT_MSG_EQ(rounds.size(), 2, "rounds rows");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].tEndS, 1.75, "t_end_s");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].uplinkBits, 2010, "uplink_bits");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].uplinkBytes, 401, "uplink_bytes");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].devicesDone, 2, "devices_done");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].accuracy.value_or(-1), 0.42, "accuracy");
        NS_TEST_EXPECT_MSG_EQ(rounds[0].loss.value_or(-1), 1.9, "loss");
        NS_TEST_EXPECT_MSG_EQ(rounds[1].accuracy.has_value(), false, "unset accuracy");
        NS_TEST_EXPECT_MSG_EQ(rounds[1].loss.has_value(), false, "unset loss");

        std::vector<UploadRecord> uploads = db->ReadUploads(runId);
        NS_TEST_ASSERT_MSG_EQ(uploads.size(), 4, "uploads rows");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].round, 0, "upload round");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].device, 1, "upload device");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].payloadBits, 1010, "payload_bits");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].wireBytes, 201, "wire_bytes");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].tStartS, 0.01, "t_start_s");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].tEndS.value_or(-1), 0.51, "t_end_s");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].completed, true, "completed");
        NS_TEST_EXPECT_MSG_EQ(uploads[1].cosSimilarity.value_or(-1), 0.9, "cos_similarity");
        NS_TEST_EXPECT_MSG_EQ(uploads[3].completed, false, "straggler");
        NS_TEST_EXPECT_MSG_EQ(uploads[3].tEndS.has_value(), false, "straggler t_end_s unset");
        NS_TEST_EXPECT_MSG_EQ(uploads[3].cosSimilarity.has_value(), false, "cos unset");

        // The file as plain SQL sees it (another connection, WAL readers).
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "PRAGMA user_version"),
                              std::to_string(ResultsDatabase::SCHEMA_VERSION), "user_version");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "PRAGMA journal_mode"), "wal", "journal mode");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "SELECT accuracy IS NULL FROM rounds WHERE round=1"),
                              "1", "NULL accuracy in SQL");
        NS_TEST_EXPECT_MSG_EQ(
            QueryText(path, "SELECT count(*) FROM uploads WHERE completed=0 AND t_end_s IS NULL"),
            "1", "straggler row in SQL");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "SELECT json_extract(params, '$.lr') FROM runs"),
                              "0.05", "params queryable as JSON");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "SELECT finished_utc IS NOT NULL FROM runs"), "1",
                              "finished_utc");
        // The indices the obvious queries use.
        NS_TEST_EXPECT_MSG_EQ(
            QueryText(path, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN "
                            "('runs_by_batch','uploads_by_round','uploads_by_device')"),
            "3", "indices");
        NS_TEST_EXPECT_MSG_EQ(
            QueryText(path, "EXPLAIN QUERY PLAN SELECT * FROM uploads WHERE run_id=1 AND round=0",
                      3),
            "SEARCH uploads USING INDEX uploads_by_round (run_id=? AND round=?)",
            "uploads of a round found through the index");

        db->Dispose();
        NS_TEST_EXPECT_MSG_EQ(db->IsOpen(), false, "open after Dispose");
    }
};

/** A second run, through a second object, appends; the batch groups invocations. */
class DatabaseAppendTestCase : public TestCase
{
  public:
    DatabaseAppendTestCase()
        : TestCase("a second run appends; the latest batch is the last invocation's runs")
    {}

  private:
    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");
        std::string path = folder.File("append.db");

        int64_t first;
        {
            Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
            db->SetAttribute("Batch", StringValue("invocation-1"));
            db->Open(path);
            first = db->BeginRun(MakeRun("fp32", 1));
            db->WriteRound(first, RoundRecord(), {MakeUpload(0, 0, true)});
            db->FinishRun(first, "complete");
            db->Close();
            NS_TEST_EXPECT_MSG_EQ(db->IsOpen(), false, "open after Close");
        }
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        db->SetAttribute("Batch", StringValue("invocation-2"));
        std::string error;
        NS_TEST_ASSERT_MSG_EQ(db->TryOpen(path, &error), true, "reopen: " << error);
        int64_t second = db->BeginRun(MakeRun("qsgd", 1));
        int64_t third = db->BeginRun(MakeRun("hgq", 1));
        db->FinishRun(third, "incomplete");
        NS_TEST_EXPECT_MSG_GT(second, first, "run ids grow");

        std::vector<int64_t> all = db->GetRunIds();
        NS_TEST_ASSERT_MSG_EQ(all.size(), 3, "runs after appending");
        NS_TEST_EXPECT_MSG_EQ(all[0], first, "first run kept");
        NS_TEST_EXPECT_MSG_EQ(db->ReadRounds(first).size(), 1, "first run's rounds kept");
        NS_TEST_EXPECT_MSG_EQ(db->ReadRun(third)->status, "incomplete", "incomplete status");
        std::vector<int64_t> latest = db->GetLatestBatchRunIds();
        NS_TEST_ASSERT_MSG_EQ(latest.size(), 2, "latest batch");
        NS_TEST_EXPECT_MSG_EQ(latest[0], second, "latest batch, first run");
        NS_TEST_EXPECT_MSG_EQ(latest[1], third, "latest batch, second run");
        NS_TEST_EXPECT_MSG_EQ(db->ReadRun(first)->batch, "invocation-1", "batch label stored");

        // Without the attribute, every object of one process shares a label.
        Ptr<ResultsDatabase> a = CreateObject<ResultsDatabase>();
        Ptr<ResultsDatabase> b = CreateObject<ResultsDatabase>();
        NS_TEST_EXPECT_MSG_EQ(a->GetBatch(), b->GetBatch(), "per-process batch");
        NS_TEST_EXPECT_MSG_EQ(Contains(a->GetBatch(), "/pid"), true,
                              "per-process batch names the pid: " << a->GetBatch());

        // A reader opened read-only sees the same rows and cannot write.
        Ptr<ResultsDatabase> reader = CreateObject<ResultsDatabase>();
        NS_TEST_ASSERT_MSG_EQ(reader->TryOpenReadOnly(path, &error), true, "read-only: " << error);
        NS_TEST_EXPECT_MSG_EQ(reader->GetRunIds().size(), 3, "reader sees the runs");
        reader->Close();
        db->Close();
    }
};

/** Files of another schema, or not SQLite, are refused with a clear message. */
class DatabaseRefusalTestCase : public TestCase
{
  public:
    DatabaseRefusalTestCase()
        : TestCase("another schema version, a foreign SQLite file or a non-SQLite file is refused")
    {}

  private:
    void Refused(const std::string& path, bool readOnly, const std::string& expected,
                 const std::string& what)
    {
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        std::string error;
        bool opened = readOnly ? db->TryOpenReadOnly(path, &error) : db->TryOpen(path, &error);
        NS_TEST_EXPECT_MSG_EQ(opened, false, what << ": opened");
        NS_TEST_EXPECT_MSG_EQ(db->IsOpen(), false, what << ": open after refusal");
        NS_TEST_EXPECT_MSG_EQ(Contains(error, path), true,
                              what << ": message does not name the path: " << error);
        NS_TEST_EXPECT_MSG_EQ(Contains(error, expected), true,
                              what << ": message lacks '" << expected << "': " << error);
    }

    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");

        std::string other = folder.File("version7.db");
        NS_TEST_ASSERT_MSG_EQ(Execute(other, "CREATE TABLE runs(x); PRAGMA user_version = 7"), "",
                              "making a version-7 file");
        Refused(other, false, "schema version 7 found", "version 7");
        Refused(other, true, "schema version 7 found", "version 7, read-only");
        NS_TEST_EXPECT_MSG_EQ(QueryText(other, "SELECT count(*) FROM sqlite_master"), "1",
                              "a refused file is left untouched");

        std::string foreign = folder.File("foreign.db");
        NS_TEST_ASSERT_MSG_EQ(Execute(foreign, "CREATE TABLE notes(text)"), "", "foreign file");
        Refused(foreign, false, "no edge-learning schema version", "foreign SQLite file");

        std::string text = folder.File("notes.txt");
        {
            std::ofstream out(text);
            out << "run,accuracy\n1,0.5\n this is a CSV file, not a database, and it is long "
                   "enough to fill the first page header of SQLite with text\n";
        }
        Refused(text, false, "not an SQLite database", "text file");
        Refused(text, true, "not an SQLite database", "text file, read-only");

        Refused(folder.File("missing.db"), true, "cannot read", "missing file, read-only");
        Refused(folder.File("no/such/folder/x.db"), false, "cannot open", "unwritable path");

        // A refused object can still open a good file.
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        std::string error;
        NS_TEST_EXPECT_MSG_EQ(db->TryOpen(text, &error), false, "text file");
        NS_TEST_EXPECT_MSG_EQ(db->TryOpen(folder.File("good.db"), &error), true,
                              "good file after a refusal: " << error);
        NS_TEST_EXPECT_MSG_EQ(db->TryOpen(folder.File("again.db"), &error), false,
                              "second open without Close");
        db->Close();

        // Open (the fatal form) ends the program naming the file.
        std::string message;
        bool fatal = EndsFatally(
            [&]()
            {
                Ptr<ResultsDatabase> child = CreateObject<ResultsDatabase>();
                child->Open(other);
            },
            folder.File("open.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "Open of a version-7 file returned");
        NS_TEST_EXPECT_MSG_EQ(Contains(message, other + ": results schema version 7 found"), true,
                              "fatal message: " << message);
    }
};

/** A round and its uploads are one transaction. */
class DatabaseTransactionTestCase : public TestCase
{
  public:
    DatabaseTransactionTestCase()
        : TestCase("a round and its uploads are committed together, or not at all")
    {}

  private:
    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");
        std::string path = folder.File("rounds.db");
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        db->Open(path);
        int64_t runId = db->BeginRun(MakeRun("topk", 3));

        // A reader holding a snapshot from before the round sees none of it;
        // a fresh read sees the round and all its uploads.
        sqlite3* reader = nullptr;
        NS_TEST_ASSERT_MSG_EQ(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, 0),
                              SQLITE_OK, "reader");
        auto count = [&](const char* sql)
        {
            sqlite3_stmt* s = nullptr;
            int value = -1;
            if (sqlite3_prepare_v2(reader, sql, -1, &s, nullptr) == SQLITE_OK
                && sqlite3_step(s) == SQLITE_ROW)
            {
                value = sqlite3_column_int(s, 0);
            }
            sqlite3_finalize(s);
            return value;
        };
        const char* both = "SELECT (SELECT count(*) FROM rounds) * 100 + "
                           "(SELECT count(*) FROM uploads)";
        NS_TEST_ASSERT_MSG_EQ(sqlite3_exec(reader, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK,
                              "reader BEGIN");
        NS_TEST_EXPECT_MSG_EQ(count(both), 0, "before the round");
        RoundRecord round;
        round.devicesDone = 3;
        db->WriteRound(runId, round,
                       {MakeUpload(0, 0, true), MakeUpload(0, 1, true), MakeUpload(0, 2, true)});
        NS_TEST_EXPECT_MSG_EQ(count(both), 0, "snapshot taken before the commit");
        sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
        NS_TEST_EXPECT_MSG_EQ(count(both), 103, "the round and its 3 uploads after the commit");
        sqlite3_close(reader);

        // A failure in the middle of a round (the third upload refused by
        // a trigger) ends the program and leaves neither the round nor its
        // first uploads.
        NS_TEST_ASSERT_MSG_EQ(Execute(path,
                                      "CREATE TRIGGER refuse_device_2 BEFORE INSERT ON uploads "
                                      "WHEN NEW.device = 2 AND NEW.round = 1 "
                                      "BEGIN SELECT RAISE(ABORT, 'device 2 refused'); END"),
                              "", "trigger");
        std::string message;
        bool fatal = EndsFatally(
            [&]()
            {
                // Its own connection: an SQLite handle must not cross fork().
                Ptr<ResultsDatabase> child = CreateObject<ResultsDatabase>();
                child->Open(path);
                RoundRecord failing;
                failing.round = 1;
                child->WriteRound(
                    runId, failing,
                    {MakeUpload(1, 0, true), MakeUpload(1, 1, true), MakeUpload(1, 2, true)});
            },
            folder.File("round.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "a failed round did not end the program");
        NS_TEST_EXPECT_MSG_EQ((Contains(message, "device 2 refused") && Contains(message, path)),
                              true, "fatal message: " << message);
        NS_TEST_ASSERT_MSG_EQ(QueryText(path, "SELECT count(*) FROM rounds WHERE round = 1"), "0",
                              "half-written round visible");
        NS_TEST_ASSERT_MSG_EQ(QueryText(path, "SELECT count(*) FROM uploads WHERE round = 1"), "0",
                              "uploads of a failed round visible");

        // An upload of another round is bad input.
        fatal = EndsFatally(
            [&]()
            {
                RoundRecord r;
                r.round = 5;
                db->WriteRound(runId, r, {MakeUpload(4, 0, true)});
            },
            folder.File("mismatch.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "upload of another round accepted");
        NS_TEST_EXPECT_MSG_EQ(Contains(message, "given an upload of round 4"), true,
                              "message: " << message);

        // Parameters that are not JSON, and an unknown status, are refused.
        fatal = EndsFatally(
            [&]()
            {
                RunRecord bad = MakeRun("hgq", 1);
                bad.params = "lr=0.1";
                db->BeginRun(bad);
            },
            folder.File("json.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "non-JSON params accepted");
        NS_TEST_EXPECT_MSG_EQ(Contains(message, "not valid JSON"), true, "message: " << message);
        fatal = EndsFatally(
            [&]()
            {
                db->FinishRun(runId, "done");
            },
            folder.File("status.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "unknown status accepted");

        // The parent's connection is still usable after its children died.
        RoundRecord next;
        next.round = 1;
        db->WriteRound(runId, next, {MakeUpload(1, 0, true)});
        NS_TEST_EXPECT_MSG_EQ(db->ReadRounds(runId).size(), 2, "rounds after the failures");

        // Foreign keys are enforced: devices of a run that does not exist.
        fatal = EndsFatally(
            [&]()
            {
                Ptr<ResultsDatabase> child = CreateObject<ResultsDatabase>();
                child->Open(path);
                child->WriteDevices(runId + 100, std::vector<DeviceRecord>(1));
            },
            folder.File("fk.stderr"), &message);
        NS_TEST_EXPECT_MSG_EQ(fatal, true, "devices of an unknown run accepted");
        NS_TEST_EXPECT_MSG_EQ(Contains(message, "FOREIGN KEY"), true, "message: " << message);

        // Another process (e.g. a second experiment appending to the same
        // file) holding the write lock makes a round wait, not fail.
        int ready[2];
        NS_TEST_ASSERT_MSG_EQ(pipe(ready), 0, "pipe");
        std::fflush(nullptr);
        pid_t holder = fork();
        if (holder == 0)
        {
            sqlite3* other = nullptr;
            bool ok
                = sqlite3_open(path.c_str(), &other) == SQLITE_OK
                  && sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
            char byte = ok ? 1 : 0;
            ssize_t written = write(ready[1], &byte, 1);
            usleep(300000);
            sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
            sqlite3_close(other);
            _exit(ok && written == 1 ? 0 : 1);
        }
        close(ready[1]);
        char byte = 0;
        bool locked = read(ready[0], &byte, 1) == 1 && byte == 1;
        close(ready[0]);
        NS_TEST_EXPECT_MSG_EQ(locked, true, "the other process could not take the write lock");
        RoundRecord waited;
        waited.round = 2;
        db->WriteRound(runId, waited, {MakeUpload(2, 0, true)});
        int status = 1;
        waitpid(holder, &status, 0);
        NS_TEST_EXPECT_MSG_EQ((WIFEXITED(status) && WEXITSTATUS(status) == 0), true, "holder");
        NS_TEST_EXPECT_MSG_EQ(db->ReadRounds(runId).size(), 3, "round written after the wait");
        db->Close();
    }
};

/** Label histograms are JSON arrays that SQLite's JSON functions read. */
class DatabaseHistogramJsonTestCase : public TestCase
{
  public:
    DatabaseHistogramJsonTestCase()
        : TestCase("label_histogram is a JSON array of counts")
    {}

  private:
    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");
        std::string path = folder.File("json.db");
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        db->Open(path);
        int64_t runId = db->BeginRun(MakeRun("qsgd", 3));
        std::vector<DeviceRecord> devices(3);
        for (uint32_t i = 0; i < 3; ++i)
        {
            devices[i].device = i;
        }
        devices[0].labelHistogram = {12, 0, 5};
        devices[1].labelHistogram = {};
        devices[2].labelHistogram = {UINT64_MAX / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        db->WriteDevices(runId, devices);
        db->Close();

        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "SELECT label_histogram FROM devices WHERE device=0"),
                              "[12,0,5]", "format");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path, "SELECT label_histogram FROM devices WHERE device=1"),
                              "[]", "empty histogram");
        NS_TEST_EXPECT_MSG_EQ(
            QueryText(path, "SELECT min(json_valid(label_histogram)) FROM devices"), "1",
            "valid JSON");
        NS_TEST_EXPECT_MSG_EQ(
            QueryText(path,
                      "SELECT json_array_length(label_histogram) FROM devices WHERE device=2"),
            "10", "length");
        NS_TEST_EXPECT_MSG_EQ(QueryText(path,
                                        "SELECT json_extract(label_histogram, '$[2]') FROM devices "
                                        "WHERE device=0"),
                              "5", "element");

        // A histogram edited by hand (whitespace) still reads back.
        NS_TEST_ASSERT_MSG_EQ(
            Execute(path, "UPDATE devices SET label_histogram = ' [ 1 , 2 ] ' WHERE device=1"), "",
            "edit");
        Ptr<ResultsDatabase> reader = CreateObject<ResultsDatabase>();
        std::string error;
        NS_TEST_ASSERT_MSG_EQ(reader->TryOpenReadOnly(path, &error), true, error);
        std::vector<DeviceRecord> read = reader->ReadDevices(runId);
        NS_TEST_ASSERT_MSG_EQ(read.size(), 3, "devices");
        NS_TEST_EXPECT_MSG_EQ((read[0].labelHistogram == devices[0].labelHistogram), true, "0");
        NS_TEST_EXPECT_MSG_EQ((read[1].labelHistogram == std::vector<uint64_t>{1, 2}), true, "1");
        NS_TEST_EXPECT_MSG_EQ((read[2].labelHistogram == devices[2].labelHistogram), true, "2");
        reader->Close();
    }
};

/** The summary's figures against values computed by hand. */
class DatabaseSummaryTestCase : public TestCase
{
  public:
    DatabaseSummaryTestCase()
        : TestCase("summary: final and best accuracy, MB, latency, common target, CSV, plots")
    {}

  private:
    void DoRun() override
    {
        TempFolder folder;
        NS_TEST_ASSERT_MSG_EQ(folder.Ok(), true, "cannot create a temporary folder");
        std::string path = folder.File("summary.db");
        Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
        db->Open(path);

        // Three runs of 4 devices, 4 rounds each, evaluated every round
        // except round 2 (NULL accuracy):
        //   fp32: acc 0.50 0.70 -    0.80, 1 s rounds, 4 MB per round
        //   hgq:  acc 0.40 0.60 -    0.75, 0.5 s rounds, 0.25 MB per round
        //   qsgd: acc 0.55 0.65 -    0.60, 2 s rounds, 1 MB, 1 straggler per round
        // Common target = min(best) = min(0.80, 0.75, 0.65) = 0.65.
        // Time to 0.65: fp32 round 1 (t_end 2.0), hgq round 3 (t_end 2.0),
        // qsgd round 1 (t_end 4.0).
        struct Spec
        {
            const char* quantizer;
            double accuracy[4];
            double roundS;
            uint64_t bytesPerRound;
            uint32_t done;
        };

        const Spec specs[] = {{"fp32", {0.50, 0.70, -1, 0.80}, 1.0, 4000000, 4},
                              {"hgq", {0.40, 0.60, -1, 0.75}, 0.5, 250000, 4},
                              {"qsgd", {0.55, 0.65, -1, 0.60}, 2.0, 1000000, 3}};
        std::vector<int64_t> ids;
        for (const Spec& spec : specs)
        {
            int64_t runId = db->BeginRun(MakeRun(spec.quantizer, 4));
            ids.push_back(runId);
            for (uint32_t r = 0; r < 4; ++r)
            {
                RoundRecord round;
                round.round = r;
                round.tStartS = r * spec.roundS;
                round.tEndS = (r + 1) * spec.roundS;
                round.uplinkBytes = spec.bytesPerRound;
                round.uplinkBits = spec.bytesPerRound * 8 - 1000;
                round.devicesDone = spec.done;
                if (spec.accuracy[r] >= 0)
                {
                    round.accuracy = spec.accuracy[r];
                    round.loss = 1 - spec.accuracy[r];
                }
                db->WriteRound(runId, round, {});
            }
            db->FinishRun(runId, "complete");
        }

        ResultsSummary summary(*db, db->GetLatestBatchRunIds());
        const std::vector<RunSummary>& runs = summary.GetRuns();
        NS_TEST_ASSERT_MSG_EQ(runs.size(), 3, "runs in the summary");
        NS_TEST_EXPECT_MSG_EQ(summary.GetCommonAccuracy().value_or(-1), 0.65, "common target");

        NS_TEST_EXPECT_MSG_EQ(runs[0].quantizer, "fp32", "order");
        NS_TEST_EXPECT_MSG_EQ(runs[0].finalAccuracy.value_or(-1), 0.80, "fp32 final");
        NS_TEST_EXPECT_MSG_EQ(runs[0].bestAccuracy.value_or(-1), 0.80, "fp32 best");
        NS_TEST_EXPECT_MSG_EQ_TOL(runs[0].uplinkMb, 16.0, 1e-12, "fp32 MB");
        NS_TEST_EXPECT_MSG_EQ_TOL(runs[0].meanRoundLatencyS.value_or(-1), 1.0, 1e-12, "latency");
        NS_TEST_EXPECT_MSG_EQ(runs[0].timeToTargetS.value_or(-1), 2.0, "fp32 time to target");
        NS_TEST_EXPECT_MSG_EQ(runs[0].roundsToTarget.value_or(0), 2, "fp32 rounds to target");
        NS_TEST_EXPECT_MSG_EQ(runs[0].stragglers, 0, "fp32 stragglers");
        NS_TEST_EXPECT_MSG_EQ(runs[0].curve.size(), 3, "evaluated rounds only");
        NS_TEST_EXPECT_MSG_EQ(runs[0].curve[2].round, 3, "curve skips round 2");
        NS_TEST_EXPECT_MSG_EQ(runs[0].curve[2].cumulativeUplinkBits, 4 * (4000000 * 8 - 1000),
                              "cumulative bits include the unevaluated round");

        NS_TEST_EXPECT_MSG_EQ(runs[1].timeToTargetS.value_or(-1), 2.0, "hgq time to target");
        NS_TEST_EXPECT_MSG_EQ(runs[1].roundsToTarget.value_or(0), 4, "hgq rounds to target");
        NS_TEST_EXPECT_MSG_EQ_TOL(runs[1].uplinkMbToTarget.value_or(-1), 1.0, 1e-12,
                                  "hgq MB to target");
        NS_TEST_EXPECT_MSG_EQ_TOL(runs[1].meanRoundLatencyS.value_or(-1), 0.5, 1e-12, "hgq");

        NS_TEST_EXPECT_MSG_EQ(runs[2].finalAccuracy.value_or(-1), 0.60, "qsgd final");
        NS_TEST_EXPECT_MSG_EQ(runs[2].bestAccuracy.value_or(-1), 0.65, "qsgd best");
        NS_TEST_EXPECT_MSG_EQ(runs[2].timeToTargetS.value_or(-1), 4.0, "qsgd time to target");
        NS_TEST_EXPECT_MSG_EQ(runs[2].stragglers, 4, "qsgd stragglers: 1 per round");

        // CSV: header and one row per run, target and time in their columns.
        std::ostringstream csv;
        summary.WriteCsv(csv);
        std::vector<std::string> lines;
        std::string line;
        std::istringstream in(csv.str());
        while (std::getline(in, line))
        {
            lines.push_back(line);
        }
        NS_TEST_ASSERT_MSG_EQ(lines.size(), 4, "CSV lines");
        NS_TEST_EXPECT_MSG_EQ(lines[0].rfind("run_id,batch,status,scenario,quantizer,plan,", 0), 0,
                              "CSV header: " << lines[0]);
        NS_TEST_EXPECT_MSG_EQ(Contains(lines[2], ",hgq,\"L=8,b=2.0\",mlp,4,7,4,0.75,0.75,"), true,
                              "hgq row (plan quoted): " << lines[2]);
        NS_TEST_EXPECT_MSG_EQ(Contains(lines[3], ",0.65000000000000002,4,2,"), true,
                              "qsgd row (target, time, rounds): " << lines[3]);

        std::ostringstream table;
        summary.Print(table);
        NS_TEST_EXPECT_MSG_EQ(Contains(table.str(), "common target accuracy"), true,
                              "table: " << table.str());

        // Plots: the script names every run; PNGs when gnuplot is installed.
        std::string script = summary.MakeGnuplotScript("t-");
        NS_TEST_EXPECT_MSG_EQ((Contains(script, "title \"qsgd\"")
                               && Contains(script, "t-accuracy-vs-uplink-bits.png")
                               && Contains(script, "set logscale x")),
                              true, "script: " << script);
        std::string note;
        std::string plots = folder.File("plots");
        bool drawn = summary.WritePlots(plots, "t-", &note);
        NS_TEST_EXPECT_MSG_EQ(std::filesystem::exists(plots + "/t-curves.csv"), true, note);
        bool haveGnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
        NS_TEST_EXPECT_MSG_EQ(drawn, haveGnuplot, "plots drawn iff gnuplot: " << note);
        if (haveGnuplot)
        {
            for (const char* name : {"t-accuracy-vs-round.png", "t-accuracy-vs-uplink-bits.png",
                                     "t-accuracy-vs-time.png"})
            {
                std::ifstream png(plots + "/" + name, std::ios::binary);
                char magic[4] = {0, 0, 0, 0};
                png.read(magic, 4);
                NS_TEST_EXPECT_MSG_EQ(std::string(magic + 1, 3), "PNG", name << " not a PNG");
            }
        }

        // A run never evaluated: no common target, nothing to reach.
        int64_t blind = db->BeginRun(MakeRun("signsgd", 4));
        RoundRecord unevaluated;
        unevaluated.devicesDone = 4;
        db->WriteRound(blind, unevaluated, {});
        ids.push_back(blind);
        ResultsSummary withBlind(*db, ids);
        NS_TEST_EXPECT_MSG_EQ(withBlind.GetCommonAccuracy().has_value(), false, "no target");
        NS_TEST_EXPECT_MSG_EQ(withBlind.GetRuns()[0].timeToTargetS.has_value(), false, "no time");
        NS_TEST_EXPECT_MSG_EQ(withBlind.GetRuns()[3].finalAccuracy.has_value(), false, "final");
        db->Close();

        // The report program's ctest (test/edge-learning-report-test.cmake)
        // reads this database: it asks for a copy through the environment.
        if (const char* keep = std::getenv("EDGE_LEARNING_TEST_KEEP_DB"))
        {
            std::error_code error;
            std::filesystem::copy_file(path, keep,
                                       std::filesystem::copy_options::overwrite_existing, error);
            NS_TEST_EXPECT_MSG_EQ(error.message(), std::error_code().message(), "copy to " << keep);
        }
    }
};

/** The suite. */
class EdgeLearningDatabaseTestSuite : public TestSuite
{
  public:
    EdgeLearningDatabaseTestSuite()
        : TestSuite("edge-learning-database", UNIT)
    {
        AddTestCase(new DatabaseRoundTripTestCase, TestCase::QUICK);
        AddTestCase(new DatabaseAppendTestCase, TestCase::QUICK);
        AddTestCase(new DatabaseRefusalTestCase, TestCase::QUICK);
        AddTestCase(new DatabaseTransactionTestCase, TestCase::QUICK);
        AddTestCase(new DatabaseHistogramJsonTestCase, TestCase::QUICK);
        AddTestCase(new DatabaseSummaryTestCase, TestCase::QUICK);
    }
};

static EdgeLearningDatabaseTestSuite g_edgeLearningDatabaseTestSuite; //!< registers the suite
