/*
 * EdgeLearningHelper: assembles the server and devices of one run from three
 * ObjectFactories; every device gets its own GradientQuantizer. It computes
 * nothing (see edge-server-application.h for the protocol).
 */
#include "edge-learning-helper.h"

#include "ns3/gradient-quantizer.h"
#include "ns3/ipv4-address.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/uinteger.h"

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeLearningHelper");

EdgeLearningHelper::EdgeLearningHelper()
{
    m_serverFactory.SetTypeId(EdgeServerApplication::GetTypeId());
    m_deviceFactory.SetTypeId(EdgeDeviceApplication::GetTypeId());
    m_quantizerFactory.SetTypeId(GradientQuantizer::GetTypeId());
}

void
EdgeLearningHelper::SetServerAttribute(const std::string& name, const AttributeValue& value)
{
    m_serverFactory.Set(name, value);
}

void
EdgeLearningHelper::SetDeviceAttribute(const std::string& name, const AttributeValue& value)
{
    m_deviceFactory.Set(name, value);
}

void
EdgeLearningHelper::SetQuantizerAttribute(const std::string& name, const AttributeValue& value)
{
    m_quantizerFactory.Set(name, value);
}

void
EdgeLearningHelper::SetLearningTask(Ptr<LearningTask> task)
{
    m_task = task;
}

Ptr<LearningTask>
EdgeLearningHelper::GetLearningTask() const
{
    return m_task;
}

void
EdgeLearningHelper::SetResultsDatabase(Ptr<ResultsDatabase> db, const RunRecord& run)
{
    m_db = db;
    m_run = run;
    if (m_server)
    {
        m_server->SetResultsDatabase(db, run);
    }
}

ApplicationContainer
EdgeLearningHelper::InstallServer(Ptr<Node> node)
{
    NS_ABORT_MSG_IF(m_server, "EdgeLearningHelper: one server per helper");
    NS_ABORT_MSG_IF(!m_task, "EdgeLearningHelper: SetLearningTask before InstallServer");
    Ptr<EdgeServerApplication> server = m_serverFactory.Create<EdgeServerApplication>();
    server->SetLearningTask(m_task);
    server->SetQuantizer(m_quantizerFactory.Create<GradientQuantizer>());
    if (m_db)
    {
        server->SetResultsDatabase(m_db, m_run);
    }
    node->AddApplication(server);
    m_server = server;
    return ApplicationContainer(server);
}

ApplicationContainer
EdgeLearningHelper::InstallDevices(NodeContainer nodes, Ipv4Address serverAddress, uint16_t port)
{
    ApplicationContainer apps;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        apps.Add(DoInstallDevice(*it, serverAddress, port));
    }
    return apps;
}

ApplicationContainer
EdgeLearningHelper::InstallDevices(Ptr<Node> node, Ipv4Address serverAddress, uint16_t port)
{
    return ApplicationContainer(DoInstallDevice(node, serverAddress, port));
}

Ptr<EdgeDeviceApplication>
EdgeLearningHelper::DoInstallDevice(Ptr<Node> node, Ipv4Address serverAddress, uint16_t port)
{
    NS_ABORT_MSG_IF(!m_server, "EdgeLearningHelper: InstallServer before InstallDevices");
    if (port == 0)
    {
        UintegerValue serverPort;
        m_server->GetAttribute("Port", serverPort);
        port = static_cast<uint16_t>(serverPort.Get());
    }
    Ptr<EdgeDeviceApplication> device = m_deviceFactory.Create<EdgeDeviceApplication>();
    device->SetAttribute("DeviceId", UintegerValue(m_devices.GetN()));
    device->SetAttribute("ServerAddress", Ipv4AddressValue(serverAddress));
    device->SetAttribute("ServerPort", UintegerValue(port));
    device->SetLearningTask(m_task);
    device->SetQuantizer(m_quantizerFactory.Create<GradientQuantizer>());
    node->AddApplication(device);
    m_server->AddDevice(device);
    m_devices.Add(device);
    return device;
}

Ptr<EdgeServerApplication>
EdgeLearningHelper::GetServer() const
{
    return m_server;
}

ApplicationContainer
EdgeLearningHelper::GetDevices() const
{
    return m_devices;
}

int64_t
EdgeLearningHelper::AssignStreams(int64_t stream)
{
    int64_t used = 0;
    for (auto it = m_devices.Begin(); it != m_devices.End(); ++it)
    {
        used += DynamicCast<EdgeDeviceApplication>(*it)->AssignStreams(stream + used);
    }
    return used;
}

} // namespace ns3
