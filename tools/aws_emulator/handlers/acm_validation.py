"""ACM's DNS validation as AWS does it: a requested certificate is issued only once its validation records resolve.

AWS answers RequestCertificate with a PENDING_VALIDATION certificate whose DomainValidationOptions carry,
per domain, the CNAME to create (ResourceRecord). The name and value depend on the account and the domain
only, so two certificates for one domain (in two regions, say) share one record. ACM finds the record in
DNS some time after it is created and issues the certificate; a certificate whose record never appears
stays PENDING_VALIDATION (docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).

moto gives every domain of every account the same record and issues every certificate after
MOTO_ACM_VALIDATION_WAIT seconds (60), whether a record exists or not. Here a domain is validated once a
public hosted zone of the account holds its CNAME with the expected value and VALIDATION_KIND's time has
passed since the record was first seen (a few seconds with the latency model off, scaled with it on).
"""

import hashlib
import time

from aws_emulator import latency

VALIDATION_KIND = "acm.certificate.validate"
# With the latency model off a validation still takes this long, so callers must really wait for it.
UNSCALED_SECONDS = 2.0
NAMES = "_emulator_names"  # instance attribute: the names as requested (moto keeps them in a set)
SEEN = "_emulator_validation_seen"  # instance attribute: {domain: monotonic time its record was first seen}


def validation_seconds():
    return latency.seconds(VALIDATION_KIND) if latency.scale() else UNSCALED_SECONDS


def _token(*parts):
    return hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:32]


def validation_record(account_id, domain):
    """The CNAME ACM asks for: the same for every certificate of the account naming this domain."""
    base = domain[2:] if domain.startswith("*.") else domain
    return {
        "Name": "_%s.%s." % (_token(account_id, base, "name"), base),
        "Type": "CNAME",
        "Value": "_%s.%s.acm-validations.aws." % (_token(account_id, base, "value"), _token(base)[:10]),
    }


def record_exists(account_id, record):
    """Whether a public hosted zone of the account has this CNAME with this value (what ACM's DNS lookup finds)."""
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.route53.models import route53_backends

    wanted_name, wanted_value = record["Name"].rstrip(".").lower(), record["Value"].rstrip(".").lower()
    for partition in route53_backends[account_id].values():
        for zone in partition.zones.values():
            if zone.private_zone:
                continue
            for rrset in zone.rrsets:
                values = [str(value).rstrip(".").lower() for value in rrset.records or []]
                if rrset.type == "CNAME" and rrset.name.rstrip(".").lower() == wanted_name and wanted_value in values:
                    return True
    return False


def _account(cert):
    """moto's CertBundle keeps its account only in its ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."""
    return cert.arn.split(":")[4]


def domains(cert):
    """The certificate's domains in AWS's order: its domain name, then the other names as requested."""
    if NAMES in cert.__dict__:
        return list(cert.__dict__[NAMES])
    names = [cert.common_name] if cert.common_name else []
    return names + [name for name in cert.sans if name not in names]


def requested(cert, domain_name, subject_alternative_names):
    """Remember the order the names were requested in, which DescribeCertificate answers with."""
    names = [domain_name] + [name for name in subject_alternative_names or [] if name != domain_name]
    cert.__dict__[NAMES] = list(dict.fromkeys(names))


def validated(cert, domain):
    """Whether ACM has validated this domain of a pending certificate by now; starts the timer when the record appears."""
    seen = cert.__dict__.setdefault(SEEN, {})
    if not record_exists(_account(cert), validation_record(_account(cert), domain)):
        seen.pop(domain, None)
        return False
    if domain not in seen:
        seen[domain] = time.monotonic()
    return time.monotonic() - seen[domain] >= validation_seconds()


def check(cert):
    """CertBundle.check for Amazon-issued certificates: issued once every domain is validated."""
    if cert.type == "AMAZON_ISSUED" and cert.status == "PENDING_VALIDATION":
        if all(validated(cert, domain) for domain in domains(cert)):
            cert.status = "ISSUED"


def describe(cert, answer):
    """Correct moto's DescribeCertificate answer: each domain's own record and status, no IssuedAt before issue."""
    body = answer["Certificate"]
    if cert.type != "AMAZON_ISSUED":
        return answer
    options = []
    for domain in domains(cert):
        status = "SUCCESS" if cert.status == "ISSUED" or (cert.status == "PENDING_VALIDATION" and validated(cert, domain)) \
            else cert.status
        options.append({"DomainName": domain, "ValidationDomain": domain, "ValidationStatus": status,
                        "ValidationMethod": "DNS", "ResourceRecord": validation_record(_account(cert), domain)})
    body["DomainValidationOptions"] = options
    body["SubjectAlternativeNames"] = domains(cert)
    if cert.status != "ISSUED":
        body.pop("IssuedAt", None)
    return answer
