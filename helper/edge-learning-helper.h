/*
 * EdgeLearningHelper: installs the edge server and the devices of one run.
 */
#ifndef EDGE_LEARNING_EDGE_LEARNING_HELPER_H
#define EDGE_LEARNING_EDGE_LEARNING_HELPER_H

#include "ns3/application-container.h"
#include "ns3/attribute.h"
#include "ns3/edge-device-application.h"
#include "ns3/edge-server-application.h"
#include "ns3/ipv4-address.h"
#include "ns3/learning-task.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ns3/results-database.h"

#include <cstdint>
#include <string>

namespace ns3 {

/**
 * \ingroup edge-learning
 * \brief Assembles a run: one EdgeServerApplication and N
 * EdgeDeviceApplications, each device with its own GradientQuantizer, all
 * sharing one LearningTask. It assembles; it computes nothing.
 *
 * Usage:
 * \code
 *   EdgeLearningHelper helper;
 *   helper.SetLearningTask(task);
 *   helper.SetQuantizerAttribute("Method", StringValue("hgq"));
 *   helper.SetServerAttribute("Rounds", UintegerValue(20));
 *   ApplicationContainer server = helper.InstallServer(apNode);
 *   ApplicationContainer devices = helper.InstallDevices(stations, apAddress);
 *   helper.AssignStreams(stream);
 *   server.Start(Seconds(1)); devices.Start(Seconds(1)); // server first
 *   Simulator::Run(); // the server stops the simulation after the last round
 * \endcode
 * InstallServer must come before InstallDevices (devices register with the
 * server). Start the server no later than the devices: a device's SYN to a
 * port nobody listens on yet is answered by a RST that ns-3 3.37 discards in
 * SYN_SENT, so the connection waits for TCP's 3 s SYN retransmission. Device ids are given in
 * install order, from 0. The quantizer attributes apply to every device's quantizer and to the
 * server's decoder.
 */
class EdgeLearningHelper
{
  public:
    /** The server's default "Port". */
    static constexpr uint16_t DEFAULT_PORT = 9000;

    EdgeLearningHelper();

    void SetServerAttribute(const std::string& name, const AttributeValue& value);
    void SetDeviceAttribute(const std::string& name, const AttributeValue& value);
    void SetQuantizerAttribute(const std::string& name, const AttributeValue& value);
    void SetLearningTask(Ptr<LearningTask> task);
    Ptr<LearningTask> GetLearningTask() const;
    /** Optional: the server writes the run into db (see EdgeServerApplication). */
    void SetResultsDatabase(Ptr<ResultsDatabase> db, const RunRecord& run);

    /** Installs the server on `node`; one server per helper. */
    ApplicationContainer InstallServer(Ptr<Node> node);
    /**
     * Installs one device application on each node, connecting to
     * serverAddress:port; port 0 (the default) means the installed server's
     * "Port" attribute.
     */
    ApplicationContainer InstallDevices(NodeContainer nodes, Ipv4Address serverAddress,
                                        uint16_t port = 0);
    ApplicationContainer InstallDevices(Ptr<Node> node, Ipv4Address serverAddress,
                                        uint16_t port = 0);

    Ptr<EdgeServerApplication> GetServer() const;
    /** Every device installed so far, in id order. */
    ApplicationContainer GetDevices() const;

    /**
     * Fixed random streams for every installed device (and its quantizer's
     * seed draw), from `stream` on; returns the number used.
     */
    int64_t AssignStreams(int64_t stream);

  private:
    Ptr<EdgeDeviceApplication> DoInstallDevice(Ptr<Node> node, Ipv4Address serverAddress,
                                               uint16_t port);

    ObjectFactory m_serverFactory;
    ObjectFactory m_deviceFactory;
    ObjectFactory m_quantizerFactory;
    Ptr<LearningTask> m_task;
    Ptr<ResultsDatabase> m_db;
    RunRecord m_run;
    Ptr<EdgeServerApplication> m_server;
    ApplicationContainer m_devices;
};

} // namespace ns3

#endif /* EDGE_LEARNING_EDGE_LEARNING_HELPER_H */
