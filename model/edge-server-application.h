/*
 * EdgeServerApplication: the edge server of the federated round protocol.
 */
#ifndef EDGE_LEARNING_EDGE_SERVER_APPLICATION_H
#define EDGE_LEARNING_EDGE_SERVER_APPLICATION_H

#include "ns3/application.h"
#include "ns3/edge-device-application.h"
#include "ns3/event-id.h"
#include "ns3/gradient-quantizer.h"
#include "ns3/learning-task.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/results-database.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"
#include "ns3/vector.h"

#include <cstdint>
#include <map>
#include <vector>

struct hgq_aggregator;

namespace ns3 {

/**
 * \ingroup edge-learning
 * \brief The edge server: starts rounds, receives every device's encoded
 * gradient over TCP, decodes what arrived, aggregates, steps the global model,
 * evaluates, and records everything.
 *
 * Round r = 1..Rounds:
 *  1. Start: the global weights are made available to every registered device
 *     (Downlink "ideal": BeginRound is called on each device with a pointer
 *     to the weights; "model": a MODEL message with the D floats, in the
 *     host's IEEE byte order (little-endian on the usual hosts), is sent on
 *     each device's connection, and the device begins when it has them all;
 *     a device that connects late gets the current model after its HELLO).
 *     A model still being handed to the socket when the next round starts is
 *     abandoned by closing that connection; one already inside TCP's buffer
 *     still arrives, and the device then computes for that old round (its
 *     upload is discarded as late).
 *  2. Each device's byte stream is reassembled; when an UPLOAD message of
 *     round r is complete, exactly its bytes are decoded with this server's
 *     own GradientQuantizer (built from the same attributes as the devices')
 *     and added to the aggregator (mean over the delivered devices, weighted
 *     uniformly or by partition size as attribute Weighting says, or
 *     majority vote for signsgd-mv). Messages of an old round, a malformed
 *     payload or a decode error are stragglers: recorded, not aggregated.
 *     An unfinished message is dropped when its connection closes.
 *  3. The round ends when every device delivered or at RoundDeadline after its
 *     start. If anything was delivered the aggregate is applied with SGD
 *     (LearningRate, Momentum); every EvalEvery rounds and at the last round
 *     the test accuracy and loss are measured.
 *  4. One ResultsDatabase transaction writes the round and one uploads row per
 *     device (completed or straggler). The next round starts at once.
 * At start the server writes the runs row (BeginRun; quantizer, plan,
 * dimension, model and device count filled in from the objects) and the
 * devices rows (position from each device node's MobilityModel, distance to
 * ReferencePosition, the partition's label histogram). After the last round
 * it calls FinishRun("complete") and Simulator::Stop(). If the simulation
 * ends earlier, StopApplication (or, without a stop time, disposal at
 * Simulator::Destroy) calls FinishRun("incomplete").
 *
 * The database is optional: the round and upload records are also kept in
 * memory (GetRoundRecords, GetUploadRecords) for the experiment driver.
 */
class EdgeServerApplication : public Application
{
  public:
    static TypeId GetTypeId();
    EdgeServerApplication();
    ~EdgeServerApplication() override;

    /** Shared task of the run; set before start. */
    void SetLearningTask(Ptr<LearningTask> task);
    Ptr<LearningTask> GetLearningTask() const;
    /** The server's decoder, configured like the devices' quantizers. */
    void SetQuantizer(Ptr<GradientQuantizer> quantizer);
    Ptr<GradientQuantizer> GetQuantizer() const;
    /**
     * Database and the caller's part of the runs row (scenario, seed,
     * params; empty quantizer/plan/model/nDevices/dimension are filled in).
     */
    void SetResultsDatabase(Ptr<ResultsDatabase> db, const RunRecord& run);
    /** Registers a device; its DeviceId must equal its index (0, 1, ...). */
    void AddDevice(Ptr<EdgeDeviceApplication> device);
    uint32_t GetNDevices() const;

    /** True once the run ended: after the last round, or stopped early. */
    bool IsFinished() const;
    /** run_id of the runs row (-1 without a database). */
    int64_t GetRunId() const;
    /** The RunRecord as written (after the fill-in). */
    RunRecord GetRunRecord() const;
    const std::vector<RoundRecord>& GetRoundRecords() const;
    const std::vector<UploadRecord>& GetUploadRecords() const;
    /** The current global weights, D floats. */
    const std::vector<float>& GetWeights() const;

    /** TracedCallback signatures. */
    typedef void (*UploadEndCallback)(uint32_t round, uint32_t device, uint64_t wireBytes,
                                      Time latency);
    typedef void (*RoundEndCallback)(const RoundRecord& round);
    typedef void (*AccuracyCallback)(uint32_t round, double accuracy, double loss);

  protected:
    void DoDispose() override;

  private:
    /** Reassembly (and model sending) state of one accepted connection. */
    struct Connection
    {
        std::vector<uint8_t> buffer; //!< bytes received, not yet consumed
        int64_t device{-1};          //!< known after the first header
        uint32_t modelRound{0};      //!< round of the MODEL message being sent (0: none)
        size_t modelPos{0};          //!< bytes of it handed to the socket
        size_t modelBytes{0};        //!< its payload length
        uint8_t modelHeader[20]{};   //!< its serialized header

        size_t modelTotal() const
        {
            return sizeof(modelHeader) + modelBytes;
        }
    };

    void StartApplication() override;
    void StopApplication() override;

    bool HandleConnectionRequest(Ptr<Socket> socket, const Address& from);
    void HandleAccept(Ptr<Socket> socket, const Address& from);
    void HandleRead(Ptr<Socket> socket);
    void HandleSend(Ptr<Socket> socket, uint32_t available);
    void HandleClose(Ptr<Socket> socket);
    void ParseMessages(Ptr<Socket> socket);
    void Deliver(uint32_t round, uint32_t device, const uint8_t* payload, uint32_t length);
    void SendModel(uint32_t device);
    void SendModelBytes(Ptr<Socket> socket, Connection& connection);
    void StartRound();
    void EndRound();
    void WriteDevices();
    void Finish(const std::string& status);
    void CloseAll();

    // attributes
    uint32_t m_rounds;
    Time m_roundDeadline;
    double m_learningRate;
    double m_momentum;
    uint32_t m_evalEvery;
    int m_downlink;  //!< 0 ideal, 1 model
    int m_weighting; //!< 0 uniform, 1 samples
    uint16_t m_port;
    Vector m_referencePosition;

    Ptr<LearningTask> m_task;
    Ptr<GradientQuantizer> m_decoder;
    Ptr<ResultsDatabase> m_db;
    RunRecord m_run;
    int64_t m_runId;
    std::vector<Ptr<EdgeDeviceApplication>> m_devices;

    Ptr<Socket> m_listen;
    std::map<Ptr<Socket>, Connection> m_connections;
    std::vector<Ptr<Socket>> m_deviceSocket; //!< latest connection of each device

    std::vector<float> m_weights;
    std::vector<float> m_velocity;
    std::vector<float> m_decoded;
    std::vector<float> m_aggregate;
    hgq_aggregator* m_aggregator; //!< owned

    uint32_t m_round; //!< current round, 1-based; 0 before the first
    bool m_roundOpen;
    Time m_roundStart;
    EventId m_deadlineEvent;
    std::vector<bool> m_delivered; //!< per device, this round: a complete message arrived
    std::vector<bool> m_decodeOk;  //!< ... and decoded
    std::vector<Time> m_deliveredAt;
    std::vector<uint64_t> m_deliveredBytes;
    uint32_t m_nDelivered;
    bool m_started;
    bool m_finished;

    std::vector<RoundRecord> m_roundRecords;
    std::vector<UploadRecord> m_uploadRecords;

    TracedCallback<uint32_t, uint32_t, uint64_t, Time> m_uploadEndTrace;
    TracedCallback<const RoundRecord&> m_roundEndTrace;
    TracedCallback<uint32_t, double, double> m_accuracyTrace;
};

} // namespace ns3

#endif /* EDGE_LEARNING_EDGE_SERVER_APPLICATION_H */
