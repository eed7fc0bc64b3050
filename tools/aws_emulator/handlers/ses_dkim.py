"""SES v2 domain identities as AWS makes them: Easy DKIM, pending until its three CNAMEs resolve.

AWS answers CreateEmailIdentity for a domain with Easy DKIM on (SigningEnabled true), DKIM Status PENDING
and three Tokens; the domain is verified for sending (VerifiedForSendingStatus true, Status SUCCESS) once
DNS holds the three CNAMEs <token>._domainkey.<domain> -> <token>.dkim.amazonses.com
(docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html). Its ARN is
arn:<partition>:ses:<region>:<account>:identity/<name>, which TagResource and ListTagsForResource take.

moto 5.2.5 gives a domain no tokens, DKIM NOT_STARTED with signing off, VerificationStatus SUCCESS at
once, and files its tags under an ARN AWS never returns (email-identity/...), so ListTagsForResource with
the real ARN finds none. Here, as for ACM (acm_validation), the tokens depend on the account and domain,
and a domain is verified once a public hosted zone of the account holds all three CNAMEs and a short
time has passed since they were first seen.
"""

import hashlib
import time

from aws_emulator.handlers.acm_validation import record_exists, validation_seconds

ACCOUNT = "_emulator_account"  # instance attribute: the account the identity belongs to
SEEN = "_emulator_dkim_seen"  # instance attribute: monotonic time all three records were first seen
TOKEN_COUNT = 3


def tokens(account_id, domain):
    """The three Easy DKIM tokens (32 lowercase characters each, as AWS's are)."""
    return [hashlib.sha256(("%s/%s/dkim/%d" % (account_id, domain, index)).encode("utf-8")).hexdigest()[:32]
            for index in range(TOKEN_COUNT)]


def dkim_records(account_id, domain):
    return [{"Name": "%s._domainkey.%s." % (token, domain), "Type": "CNAME", "Value": "%s.dkim.amazonses.com." % token}
            for token in tokens(account_id, domain)]


def identity_arn(partition, region, account_id, name):
    return "arn:%s:ses:%s:%s:identity/%s" % (partition, region, account_id, name)


def created(identity, account_id):
    """A new identity: Easy DKIM pending for a domain (unless BYODKIM was asked); an address waits for its link."""
    identity.__dict__[ACCOUNT] = account_id
    identity.verification_status = "PENDING"
    identity.verified_for_sending_status = False
    if identity.identity_type != "DOMAIN":
        return
    if not isinstance(identity.dkim_signing_attributes, dict) or not identity.dkim_signing_attributes.get("DomainSigningPrivateKey"):
        identity.dkim_attributes = {"SigningEnabled": True, "Status": "PENDING", "Tokens": tokens(account_id, identity.email_identity),
                                    "SigningAttributesOrigin": "AWS_SES", "CurrentSigningKeyLength": "RSA_2048_BIT",
                                    "NextSigningKeyLength": "RSA_2048_BIT"}


def refresh(identity):
    """Verify a pending domain once its DKIM records have resolved long enough; reset it when they go."""
    account_id = identity.__dict__.get(ACCOUNT)
    if identity.identity_type != "DOMAIN" or not account_id or not identity.dkim_attributes.get("Tokens"):
        return
    if not all(record_exists(account_id, record) for record in dkim_records(account_id, identity.email_identity)):
        identity.__dict__.pop(SEEN, None)
        return
    seen = identity.__dict__.setdefault(SEEN, time.monotonic())
    if time.monotonic() - seen >= validation_seconds():
        identity.dkim_attributes["Status"] = "SUCCESS"
        identity.verification_status = "SUCCESS"
        identity.verified_for_sending_status = True
