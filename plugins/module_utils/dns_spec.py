# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``dns`` and ``certificates`` sections of the platform spec: DNS names, records and ACM's rules, no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.gameops.platform.plugins.module_utils.network_spec import REGION_ZONES

# RFC 1035 section 2.3.4 and Route 53's "DNS domain name format": labels of 1-63 octets, names of at most 253
# (255 with the root's dot and length octets). Hostnames take letters, digits and '-', not at either end;
# record names may also hold '_' (service and validation records) and a leading '*' label.
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RECORD_LABEL = re.compile(r"^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")
MAX_NAME = 253
# ACM: the certificate's first name is at most 64 octets, and a certificate has at most 100 names (its
# quota starts at 10; ACM User Guide, "Quotas" and RequestCertificate's DomainName).
MAX_ACM_DOMAIN = 64
MAX_ACM_NAMES = 100
# Route 53 makes the apex SOA and NS records itself and refuses a second SOA.
APEX_MANAGED = ("SOA", "NS")
MAX_TTL = 2147483647
# The dns layer writes a TXT marker at _gameops-<type>.<name> beside each record (module_utils/prune.py).
MARKER_PREFIX = "_gameops-"


def _name_problem(name, label=LABEL, wildcard=False):
    """What makes a name not a DNS name (lowercase, no trailing dot); None when it is one."""
    if not name or len(name) > MAX_NAME:
        return "is not a DNS name: give 1-%d characters" % MAX_NAME
    labels = name.split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
    if not labels or not all(label.match(part) for part in labels):
        return "is not a DNS name: each dot-separated label is 1-63 letters, digits and '-', not starting or ending with '-'"
    return None


def normalized_name(name):
    return (name or "").strip().lower().rstrip(".")


def in_zone(name, zone):
    return name == zone or name.endswith("." + zone)


def covers(names, host):
    """Whether a certificate with these names serves host (a wildcard covers one label, as TLS matches)."""
    return any(name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]) for name in names)


def host_problem(host, platform):
    """What keeps an ingress host from being served with the platform's zone and ingress certificate; None if nothing."""
    problem = _name_problem(host)
    if problem:
        return problem
    zone = (platform.get("dns") or {}).get("zone")
    if zone and not in_zone(host, normalized_name(zone)):
        return "is outside the zone %s (platform.dns.zone)" % zone
    for key, certificate in (platform.get("certificates") or {}).items():
        names = [normalized_name(certificate["domain_name"])] + [normalized_name(n) for n in certificate["subject_alternative_names"]]
        if certificate["ingress"] and not covers(names, host):
            return "is not a name of the ingress certificate (platform.certificates.%s: %s)" % (key, ", ".join(names))
    return None


def _record_name(name, zone):
    """A record's name as Route 53 keeps it: '@' or '' is the apex, a name outside the zone is relative to it."""
    name = normalized_name(name)
    if name in ("", "@"):
        return zone
    return name if in_zone(name, zone) else "%s.%s" % (name, zone)


def _check_values(where, record, errors):
    kind, values = record["type"], record["values"]
    if not values:
        errors.append("%s.values: give at least one value" % where)
    if kind == "CNAME" and len(values) > 1:
        errors.append("%s.values: a CNAME record has one value, not %d" % (where, len(values)))
    for index, value in enumerate(values):
        if kind in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                address = None
            if address is None or address.version != (4 if kind == "A" else 6):
                errors.append("%s.values[%d]: %r is not an IPv%d address" % (where, index, value, 4 if kind == "A" else 6))
        elif kind == "CNAME" and _name_problem(normalized_name(value), RECORD_LABEL):
            errors.append("%s.values[%d]: %r %s" % (where, index, value, _name_problem(normalized_name(value), RECORD_LABEL)))


def check_dns(dns, platform, errors):
    """Check the zone and its records (already type-checked); return them with full record names."""
    zone = normalized_name(dns["zone"])
    problem = _name_problem(zone)
    if problem or "." not in zone:
        errors.append("platform.dns.zone: %r %s" % (dns["zone"], problem or "is a top-level domain; give the platform's domain, such as example.com"))
    records, seen = [], {}
    for index, record in enumerate(dns["records"]):
        where = "platform.dns.records[%d]" % index
        name = _record_name(record["name"], zone)
        problem = _name_problem(name, RECORD_LABEL, wildcard=True)
        if problem:
            errors.append("%s.name: %r %s" % (where, record["name"], problem))
        elif not in_zone(name, zone):
            errors.append("%s.name: %r is not in the zone %s" % (where, record["name"], zone))
        if not problem and name.split(".")[0].startswith(MARKER_PREFIX):
            errors.append("%s.name: %r: names starting with %s are the ownership markers of the records the collection writes"
                          % (where, record["name"], MARKER_PREFIX))
        elif not problem and len("%s%s.%s" % (MARKER_PREFIX, record["type"], name)) > MAX_NAME:
            errors.append("%s.name: %r leaves no room for its ownership marker, %s%s.<name>: give at most %d characters"
                          % (where, record["name"], MARKER_PREFIX, record["type"].lower(), MAX_NAME - len(MARKER_PREFIX) - len(record["type"]) - 1))
        if name == zone and record["type"] in APEX_MANAGED:
            errors.append("%s.type: Route 53 makes the zone's own %s record" % (where, record["type"]))
        if name == zone and record["type"] == "CNAME":
            errors.append("%s.type: the zone's apex cannot be a CNAME (RFC 1034 section 3.6.2); give an A or AAAA record" % where)
        if not 0 <= record["ttl"] <= MAX_TTL:
            errors.append("%s.ttl: %d; give 0 to %d seconds" % (where, record["ttl"], MAX_TTL))
        _check_values(where, record, errors)
        for other_type, other in seen.get(name, {}).items():
            if other_type == record["type"]:
                errors.append("%s: %s %s is also records[%d]; give every value in one record" % (where, name, other_type, other))
            elif "CNAME" in (other_type, record["type"]):
                errors.append("%s: %s has a CNAME (records[%d] or this one), which allows no other record of the name" % (where, name, other))
        seen.setdefault(name, {})[record["type"]] = index
        records.append(dict(record, name=name))
    return dict(dns, zone=zone, records=records)


def _check_certificate_names(field, names, zone, errors):
    for index, name in enumerate(names):
        where = "%s.domain_name" % field if index == 0 else "%s.subject_alternative_names[%d]" % (field, index - 1)
        problem = _name_problem(name, wildcard=True)
        if problem:
            errors.append("%s: %r %s" % (where, name, problem))
        elif zone and not in_zone(name[2:] if name.startswith("*.") else name, zone):
            errors.append("%s: %r is outside the zone %s (platform.dns.zone), where its validation record would go" % (where, name, zone))
        if names.index(name) != index:
            errors.append("%s: %r is named twice" % (where, name))
    if names and len(names[0]) > MAX_ACM_DOMAIN:
        errors.append("%s.domain_name: %r is %d characters; ACM takes at most %d for the first name (put a longer one in "
                      "subject_alternative_names)" % (field, names[0], len(names[0]), MAX_ACM_DOMAIN))
    if len(names) > MAX_ACM_NAMES:
        errors.append("%s: %d names; an ACM certificate has at most %d" % (field, len(names), MAX_ACM_NAMES))


def check_certificates(certificates, platform, errors):
    """Check every certificate (already type-checked) against the zone; return them with their names and regions resolved."""
    zone = (platform.get("dns") or {}).get("zone")
    checked, ingress = {}, []
    for key, certificate in certificates.items():
        field = "platform.certificates.%s" % key
        if not LABEL.match(key) or len(key) > 32:
            errors.append("%s: the key must be 1-32 lowercase letters, digits and '-', starting and ending with a letter or digit" % field)
        domain = normalized_name(certificate["domain_name"])
        names = [domain] + [normalized_name(name) for name in certificate["subject_alternative_names"]]
        _check_certificate_names(field, names, zone, errors)
        regions = list(dict.fromkeys(certificate["regions"] or [platform["region"]]))
        for index, region in enumerate(regions):
            if region not in REGION_ZONES:
                errors.append("%s.regions[%d]: %r is not a region the collection knows; allowed: %s"
                              % (field, index, region, ", ".join(sorted(REGION_ZONES))))
        if certificate["ingress"]:
            ingress.append(key)
            if platform["region"] not in regions:
                errors.append("%s.regions: the ingress's load balancer is in %s; its certificate must be there too" % (field, platform["region"]))
        checked[key] = dict(certificate, domain_name=domain, subject_alternative_names=names[1:], regions=regions)
    if len(ingress) > 1:
        errors.append("platform.certificates: %s all say ingress: true; the ingress takes one certificate" % ", ".join(ingress))
    return checked
