#ifndef ATTRIBUTE_JSON_H
#define ATTRIBUTE_JSON_H

#include "ns3/object.h"
#include "ns3/ptr.h"

#include <string>
#include <vector>

namespace ns3 {

/**
 * \ingroup edge-learning
 * s as a JSON string literal: quoted, with '"', '\\' and the control
 * characters escaped (\\n, \\t, ... or \\u00XX), other bytes as they are
 * (UTF-8 passes through).
 */
std::string JsonQuote(const std::string& s);

/**
 * \ingroup edge-learning
 * Every attribute of object's TypeId and of its parent TypeIds up to
 * ns3::Object that can be read (TypeId::ATTR_GET), with its current value,
 * as one JSON object {"ns3::TypeName::AttributeName": "value", ...}; the
 * values are AttributeValue::SerializeToString strings, the form
 * Config::SetDefault and --ns3::... accept back. Pointer- and
 * object-container-valued attributes are left out: their text is an address,
 * not a setting. A null object yields "{}".
 */
std::string AttributesToJson(Ptr<const Object> object);

/** \ingroup edge-learning The strings as a JSON array of string literals. */
std::string JsonStringArray(const std::vector<std::string>& strings);

} // namespace ns3

#endif /* ATTRIBUTE_JSON_H */
