/*
 * EdgeDeviceApplication: one edge device of the federated round protocol.
 */
#ifndef EDGE_LEARNING_EDGE_DEVICE_APPLICATION_H
#define EDGE_LEARNING_EDGE_DEVICE_APPLICATION_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/gradient-quantizer.h"
#include "ns3/ipv4-address.h"
#include "ns3/learning-task.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <vector>

namespace ns3 {

/** What a device knows of its upload of one round (the server reads it). */
struct DeviceUploadInfo
{
    uint32_t round{0};
    bool computed{false};    //!< the gradient of this round was encoded
    bool started{false};     //!< the first byte was handed to the socket
    Time tStart;             //!< when the upload started (or was due to)
    uint64_t payloadBits{0}; //!< hgq header + payload bits
    uint64_t wireBytes{0};   //!< GradientUploadHeader + encoded bytes
    double cosSimilarity{0}; //!< cos(g, decoder's reconstruction)
    double loss{0};          //!< training loss of the mini-batch
};

/**
 * \ingroup edge-learning
 * \brief An edge device: computes its stochastic gradient on its own data,
 * quantizes it and uploads the real encoded bytes over its own TCP socket.
 *
 * Protocol of one round r (the server drives it; see EdgeServerApplication):
 *  1. BeginRound(r, w) is called by the server (Downlink "ideal": w points to
 *     the server's global weights, read directly), or the MODEL message of
 *     round r arrived on this device's connection (Downlink "model": the
 *     weights are the received bytes).
 *  2. The device draws BatchSize sample indices from its own partition
 *     (seeded sampler), computes the gradient (LearningTask, shared model),
 *     and encodes it with its own GradientQuantizer (own seed, own
 *     error-feedback memory). This is real computation at one instant of
 *     simulated time.
 *  3. It waits the modelled compute time: step FLOPs / ComputeFlopsPerSecond,
 *     plus a uniform jitter in [0, StartJitter].
 *  4. It sends GradientUploadHeader(UPLOAD, r, device, n) + the n encoded
 *     bytes, in pieces as the socket's buffer frees (never BulkSend).
 *  If round r+1 begins while round r's bytes are still being handed to the
 *  socket, the rest of round r is dropped and the connection is closed and
 *  reopened (the server discards an unfinished message when its connection
 *  closes, and the bytes of an old round when they arrive late).
 *  Limitation: bytes already inside TCP's send buffer (ns3::TcpSocket::
 *  SndBufSize, 128 KiB by default) still cross the link after that: ns-3
 *  3.37's TCP has no abortive close.
 *
 * Connection: opened at StartApplication after a uniform jitter in
 * [0, StartJitter] (so that many stations do not send SYNs together);
 * re-opened after ConnectionFailed or a close with exponential backoff
 * starting at ReconnectBackoff, doubled per failure up to MaxReconnectBackoff,
 * with a uniform jitter of the same size. Every connection starts with a
 * HELLO message naming the device.
 *
 * Seeds: the sampler and quantizer seeds are drawn when the device first
 * begins a round, from an ns-3 random stream (so RngRun and AssignStreams
 * decide them); the quantizer's "Seed" attribute is overwritten with that
 * draw. The sampler, the quantizer (Setup) and the upload buffer are built
 * then too, once the server has set the LearningTask up.
 */
class EdgeDeviceApplication : public Application
{
  public:
    static TypeId GetTypeId();
    EdgeDeviceApplication();
    ~EdgeDeviceApplication() override;

    /** Borrowed for the run; must be set before the application starts. */
    void SetLearningTask(Ptr<LearningTask> task);
    /** This device's own quantizer (not shared); set before start. */
    void SetQuantizer(Ptr<GradientQuantizer> quantizer);
    Ptr<GradientQuantizer> GetQuantizer() const;

    uint32_t GetDeviceId() const;

    /**
     * Starts round `round` with the global weights w[0..D) (borrowed until
     * the gradient is computed, i.e. during this call). Called by the server.
     */
    void BeginRound(uint32_t round, const float* weights);

    /** What this device did for `round` (computed=false if it did not). */
    DeviceUploadInfo GetUploadInfo(uint32_t round) const;

    /**
     * Assigns fixed random variable streams; returns how many it used (2).
     */
    int64_t AssignStreams(int64_t stream);

    /** TracedCallback signature of UploadStart: round, device, wire bytes. */
    typedef void (*UploadStartCallback)(uint32_t round, uint32_t device, uint64_t wireBytes);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    void Initialise();
    uint64_t DrawSeed();
    void Connect();
    void ScheduleReconnect();
    void ConnectionSucceeded(Ptr<Socket> socket);
    void ConnectionFailed(Ptr<Socket> socket);
    void ConnectionClosed(Ptr<Socket> socket);
    void DataSent(Ptr<Socket> socket, uint32_t available);
    void HandleRead(Ptr<Socket> socket);
    void ComputeAndEncode(uint32_t round, const float* weights);
    void StartUpload();
    void SendPending();
    void DropSocket();

    // attributes
    uint32_t m_deviceId;
    Ipv4Address m_serverAddress;
    uint16_t m_serverPort;
    double m_flopsPerSecond;
    Time m_startJitter;
    Time m_reconnectBackoff;
    Time m_maxReconnectBackoff;
    uint32_t m_sendSize; //!< largest piece handed to the socket at once

    Ptr<LearningTask> m_task;
    Ptr<GradientQuantizer> m_quantizer;
    Ptr<UniformRandomVariable> m_jitter;
    Ptr<UniformRandomVariable> m_seedStream;
    learn_sampler* m_sampler; //!< owned

    Ptr<Socket> m_socket;
    bool m_connected;
    bool m_started;
    bool m_stopped;
    bool m_initialised;
    uint32_t m_failures; //!< consecutive connection failures
    EventId m_connectEvent;
    EventId m_uploadEvent;

    std::vector<uint8_t> m_message; //!< header + encoded bytes of the current upload
    uint8_t m_hello[20];            //!< HELLO message of the current connection
    size_t m_helloPos;              //!< bytes of it handed to the socket (20: none due)
    bool m_msgOnSocket;             //!< m_message is being sent on this connection
    size_t m_msgPos;                //!< bytes of m_message handed to the socket
    bool m_uploadQueued;            //!< the current upload is due and not fully handed over
    DeviceUploadInfo m_current;     //!< this round's upload

    // modelled downlink: reassembly of MODEL messages
    std::vector<uint8_t> m_rx;
    std::vector<float> m_weights; //!< received global weights (Downlink "model")
    uint32_t m_modelRound;        //!< newest round whose model arrived

    TracedCallback<uint32_t, uint32_t, uint64_t> m_uploadStartTrace;
};

} // namespace ns3

#endif /* EDGE_LEARNING_EDGE_DEVICE_APPLICATION_H */
