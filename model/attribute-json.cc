/*
 * Attributes of an ns-3 object as JSON, so that a run's row in the results
 * database records every setting it ran with (Config::SetDefault and
 * --ns3::... included), and the JSON string quoting the results share.
 * JSON string escaping follows RFC 8259 section 7.
 */
#include "attribute-json.h"

#include "ns3/attribute.h"
#include "ns3/log.h"
#include "ns3/type-id.h"

#include <cstdio>
#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("AttributeJson");

std::string
JsonQuote(const std::string& s)
{
    std::string out = "\"";
    for (char c : s)
    {
        switch (c)
        {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                {
                    char escaped[8];
                    std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
                    out += escaped;
                }
                else
                {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string
JsonStringArray(const std::vector<std::string>& strings)
{
    std::string out = "[";
    for (size_t i = 0; i < strings.size(); ++i)
    {
        out += (i == 0 ? "" : ", ") + JsonQuote(strings[i]);
    }
    return out + "]";
}

std::string
AttributesToJson(Ptr<const Object> object)
{
    if (!object)
    {
        return "{}";
    }
    std::ostringstream json;
    json << "{";
    bool first = true;
    const TypeId objectTid = Object::GetTypeId();
    for (TypeId tid = object->GetInstanceTypeId();; tid = tid.GetParent())
    {
        for (std::size_t i = 0; i < tid.GetAttributeN(); ++i)
        {
            const TypeId::AttributeInformation info = tid.GetAttribute(i);
            if (!(info.flags & TypeId::ATTR_GET) || !info.checker)
            {
                continue;
            }
            const std::string valueType = info.checker->GetValueTypeName();
            if (valueType == "ns3::PointerValue" || valueType == "ns3::ObjectPtrContainerValue")
            {
                continue;
            }
            Ptr<AttributeValue> value = info.checker->Create();
            if (!object->GetAttributeFailSafe(info.name, *value))
            {
                NS_LOG_DEBUG("cannot read " << tid.GetName() << "::" << info.name);
                continue;
            }
            json << (first ? "" : ", ") << JsonQuote(tid.GetName() + "::" + info.name) << ": "
                 << JsonQuote(value->SerializeToString(info.checker));
            first = false;
        }
        if (tid == objectTid || !tid.HasParent() || tid.GetParent() == tid)
        {
            break;
        }
    }
    json << "}";
    return json.str();
}

} // namespace ns3
