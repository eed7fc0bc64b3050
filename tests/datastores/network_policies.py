"""NetworkPolicies evaluated as Kubernetes does (networking.k8s.io/v1), for tests: may this pod reach that pod on a port?

A connection is allowed when the source's egress admits it and the destination's ingress admits it. A pod is
isolated for a direction when some policy of its namespace selects it and lists that direction in policyTypes;
then the union of those policies' rules of that direction decides. A rule admits a peer when any of its `from`/`to`
entries matches (none given: every peer) and any of its ports matches (none given: every port).
"""

import ipaddress


class Pod:
    def __init__(self, name, namespace, labels, ip, namespace_labels=None):
        self.name, self.namespace, self.labels, self.ip = name, namespace, dict(labels), ipaddress.ip_address(ip)
        self.namespace_labels = dict(namespace_labels or {}, **{"kubernetes.io/metadata.name": namespace})

    def __repr__(self):
        return "%s/%s" % (self.namespace, self.name)


def selects(selector, labels):
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError("unknown operator %s" % operator)
    return True


def _peer_matches(peer, other, policy_namespace):
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        inside = other.ip in ipaddress.ip_network(block["cidr"])
        return inside and not any(other.ip in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], other.namespace_labels):
            return False
    elif other.namespace != policy_namespace:
        return False  # a podSelector alone means pods of the policy's own namespace
    return selects(peer.get("podSelector"), other.labels)


def _port_matches(rule_ports, port, protocol):
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        if isinstance(entry["port"], str):
            raise ValueError("named ports are not modelled: %s" % entry["port"])
        if entry["port"] <= port <= entry.get("endPort", entry["port"]):
            return True
    return False


def _policy_types(policy):
    spec = policy["spec"]
    if "policyTypes" in spec:
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _admits(policies, pod, other, port, protocol, direction):
    """Whether the policies of pod's namespace let ``other`` talk to ``pod`` in ``direction``."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [p for p in policies if p["metadata"].get("namespace") == pod.namespace
                 and selects(p["spec"].get("podSelector"), pod.labels) and direction in _policy_types(p)]
    if not selecting:
        return True  # not isolated in this direction
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(peer, other, policy["metadata"]["namespace"]) for peer in peers)
            if peer_ok and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def allowed(policies, source, destination, port, protocol="TCP"):
    """Whether a connection from source to destination:port is allowed (both ends' policies)."""
    return (_admits(policies, source, destination, port, protocol, "Egress")
            and _admits(policies, destination, source, port, protocol, "Ingress"))


def ingress_allowed(policies, source, destination, port, protocol="TCP"):
    """Whether the destination's side alone admits the connection (its namespace's ingress policies)."""
    return _admits(policies, destination, source, port, protocol, "Ingress")


def egress_allowed(policies, source, destination, port, protocol="TCP"):
    """Whether the source's side alone lets the connection out (its namespace's egress policies)."""
    return _admits(policies, source, destination, port, protocol, "Egress")
