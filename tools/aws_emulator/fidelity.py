"""Corrections where moto answers differently from AWS in ways the collection's modules notice.

Applied once when the emulator's app is created. Each correction names the AWS behaviour it
restores; tests/emulator checks each one.
"""


def ec2_tag_resource_types():
    """DescribeTags reports NAT gateways as `natgateway` and flow logs as `vpc-flow-log` on AWS.

    moto says `nat-gateway` and `flow-logs`, so a resource-type filter finds no tags and
    amazon.aws modules re-tag (and report a change) on every run.
    """
    from moto.ec2 import utils  # pylint: disable=import-outside-toplevel  # moto loads slowly

    utils.EC2_PREFIX_TO_RESOURCE.update({"nat": "natgateway", "fl": "vpc-flow-log"})


def iam_oidc_provider_client_ids():
    """IAM's AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider.

    moto implements the other OpenID Connect provider operations but not these two (its server
    answers 500). As on AWS, both fail with NoSuchEntity for an unknown provider and are
    idempotent: adding a client id the provider has, or removing one it lacks, changes nothing.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.core.responses import EmptyResult
    from moto.iam.models import IAMBackend
    from moto.iam.responses import IamResponse

    def add_client_id_to_open_id_connect_provider(backend, arn, client_id):
        provider = backend.get_open_id_connect_provider(arn)
        if client_id not in provider.client_id_list:
            provider.client_id_list.append(client_id)

    def remove_client_id_from_open_id_connect_provider(backend, arn, client_id):
        provider = backend.get_open_id_connect_provider(arn)
        if client_id in provider.client_id_list:
            provider.client_id_list.remove(client_id)

    def respond(operation):
        def handler(response):
            getattr(response.backend, operation)(
                response._get_param("OpenIDConnectProviderArn"),  # pylint: disable=protected-access
                response._get_param("ClientID"),  # pylint: disable=protected-access
            )
            return EmptyResult()

        handler.__name__ = operation
        return handler

    for operation in (add_client_id_to_open_id_connect_provider, remove_client_id_from_open_id_connect_provider):
        if not hasattr(IAMBackend, operation.__name__):
            setattr(IAMBackend, operation.__name__, operation)
        if not hasattr(IamResponse, operation.__name__):
            setattr(IamResponse, operation.__name__, respond(operation.__name__))


def eks_creation_defaults():
    """CreateCluster and CreateNodegroup give what AWS gives, and refuse what AWS refuses.

    moto creates clusters at Kubernetes 1.19 where AWS takes the newest version, and nodegroups at 1.19
    where AWS takes the cluster's; it keeps resourcesVpcConfig as sent (AWS adds the endpoint access
    defaults, the VPC and the cluster security group), drops accessConfig, gives nodegroups an AMI release
    of 1.19 and no updateConfig, and shares one default scaling configuration between nodegroups.
    The details are in aws_emulator.handlers.eks_clusters.
    """
    # pylint: disable=import-outside-toplevel,protected-access  # moto loads slowly; its responses' own helpers
    from moto.ec2.exceptions import InvalidSubnetIdError
    from moto.ec2.models import ec2_backends
    from moto.eks import exceptions
    from moto.eks.responses import EKSResponse

    from aws_emulator.handlers import eks_clusters
    from aws_emulator.handlers.base import ServiceError

    create_cluster, create_nodegroup = EKSResponse.create_cluster, EKSResponse.create_nodegroup
    if getattr(create_cluster, "corrected", False):
        return

    def checked(check, *args):
        try:
            check(*args)
        except ServiceError as error:
            raise getattr(exceptions, error.code)(message=error.message) from error

    def vpc_of(response, subnet_ids):
        ec2 = ec2_backends[response.current_account][response.region]
        for subnet_id in subnet_ids:
            try:
                return ec2.get_subnet(subnet_id).vpc_id
            except InvalidSubnetIdError:
                continue
        return None

    def corrected_create_cluster(response):
        members = ("name", "version", "resourcesVpcConfig", "logging", "accessConfig", "encryptionConfig")
        params = {name: response._get_param(name) for name in members}
        checked(eks_clusters.check_cluster_request, params)
        result = create_cluster(response)
        vpc_id = vpc_of(response, (params["resourcesVpcConfig"] or {}).get("subnetIds") or [])
        eks_clusters.complete_cluster(response.eks_backend.clusters[params["name"]], params, vpc_id)
        return result

    def corrected_create_nodegroup(response):
        members = ("name", "nodegroupName", "version", "releaseVersion", "amiType", "diskSize", "launchTemplate", "scalingConfig",
                   "updateConfig", "labels", "taints", "remoteAccess")
        params = {name: response._get_param(name) for name in members}
        cluster = response.eks_backend.clusters.get(params["name"])
        if cluster is not None:
            checked(eks_clusters.check_nodegroup_request, cluster, params)
        result = create_nodegroup(response)
        eks_clusters.complete_nodegroup(cluster, cluster.nodegroups[params["nodegroupName"]], params)
        return result

    corrected_create_cluster.corrected = True
    EKSResponse.create_cluster, EKSResponse.create_nodegroup = corrected_create_cluster, corrected_create_nodegroup


def kms_key_arns():
    """KMS takes a key's ARN wherever it takes its id.

    moto's ScheduleKeyDeletion and CancelKeyDeletion look the given id up as-is, so an ARN (what
    amazon.aws.kms_key passes) answers 500.
    """
    from moto.kms.models import KmsBackend  # pylint: disable=import-outside-toplevel  # moto loads slowly

    def by_key_id(method):
        def corrected(backend, key_id, *args):
            return method(backend, backend.any_id_to_key_id(key_id), *args)

        return corrected

    KmsBackend.schedule_key_deletion = by_key_id(KmsBackend.schedule_key_deletion)
    KmsBackend.cancel_key_deletion = by_key_id(KmsBackend.cancel_key_deletion)


def elasticache_replication_groups():
    """ElastiCache replication groups have the shards, members and settings AWS gives them, and change in place.

    moto takes Valkey but lays a group out once: it ignores NumCacheClusters, reports no reader
    endpoint, creates no member cache clusters (where DescribeCacheClusters shows the engine version,
    parameter group, subnet group, security groups and maintenance window), changes only a few
    settings with ModifyReplicationGroup, lacks IncreaseReplicaCount, DecreaseReplicaCount and
    ModifyReplicationGroupShardConfiguration, refuses nothing AWS refuses, and keeps deleted groups
    as ``deleting`` for ever. moto also lacks cache parameter groups (Create, Describe, Delete), whose
    family a Redis OSS to Valkey upgrade on a custom group depends on. The details are in aws_emulator.handlers.elasticache_groups.
    """
    # pylint: disable=import-outside-toplevel,protected-access  # moto loads slowly; its responses' own helpers
    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache.responses import ElastiCacheResponse

    from aws_emulator.handlers import elasticache_groups

    create, describe = ElastiCacheResponse.create_replication_group, ElastiCacheResponse.describe_replication_groups
    if getattr(create, "corrected", False):
        return

    def corrected_create(response):
        elasticache_groups.check_create(response.params, response.elasticache_backend)
        result = create(response)
        backend = response.elasticache_backend
        group = elasticache_groups.group_of(backend, response._get_param("ReplicationGroupId"))
        elasticache_groups.complete_create(backend, group, response.params)
        return result

    def operation(change):
        def handler(response):
            backend = response.elasticache_backend
            group = elasticache_groups.group_of(backend, response._get_param("ReplicationGroupId"))
            change(backend, group, response.params)
            return ActionResult({"ReplicationGroup": group})

        return handler

    def corrected_describe(response):
        result = describe(response)
        # Eventually consistent reads: a change just made may not show yet.
        result.result["ReplicationGroups"] = [elasticache_groups.as_read(group) for group in result.result["ReplicationGroups"]]
        return result

    corrected_create.corrected = True
    ElastiCacheResponse.create_replication_group = corrected_create
    ElastiCacheResponse.describe_replication_groups = corrected_describe
    ElastiCacheResponse.modify_replication_group = operation(elasticache_groups.modify)
    ElastiCacheResponse.increase_replica_count = operation(
        lambda backend, group, params: elasticache_groups.change_replicas(backend, group, params, increase=True))
    ElastiCacheResponse.decrease_replica_count = operation(
        lambda backend, group, params: elasticache_groups.change_replicas(backend, group, params, increase=False))
    ElastiCacheResponse.modify_replication_group_shard_configuration = operation(elasticache_groups.reshard)
    ElastiCacheResponse.delete_replication_group = operation(lambda backend, group, params: elasticache_groups.delete(backend, group))

    # Cache parameter groups, which moto lacks: kept for their family (a Redis OSS to Valkey upgrade checks it).
    def create_cache_parameter_group(response):
        return ActionResult({"CacheParameterGroup": elasticache_groups.create_parameter_group(
            response.elasticache_backend, response._get_param("CacheParameterGroupName"), response._get_param("CacheParameterGroupFamily"),
            response._get_param("Description"))})

    def describe_cache_parameter_groups(response):
        backend, name = response.elasticache_backend, response._get_param("CacheParameterGroupName")
        groups = [elasticache_groups.parameter_group(backend, name)] if name else list(elasticache_groups.parameter_groups(backend).values())
        return ActionResult({"CacheParameterGroups": groups})

    def delete_cache_parameter_group(response):
        elasticache_groups.delete_parameter_group(response.elasticache_backend, response._get_param("CacheParameterGroupName"))
        return EmptyResult()

    for handler in (create_cache_parameter_group, describe_cache_parameter_groups, delete_cache_parameter_group):
        if not hasattr(ElastiCacheResponse, handler.__name__):
            setattr(ElastiCacheResponse, handler.__name__, handler)


def ec2_tagged_resource_listing():
    """The Resource Groups Tagging API lists tagged VPC endpoints and elastic IPs, and calls flow
    logs `ec2:vpc-flow-log`.

    moto leaves the first two out and says `ec2:flow-logs`, so a teardown's "is anything tagged
    left?" check would miss a leaked endpoint or address.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.core.resource_tagging import TaggedResource
    from moto.ec2.models import EC2Backend

    listing = EC2Backend.iter_tagged_resources

    def iter_tagged_resources(backend):
        for resource in listing(backend):
            if resource.resource_type == "ec2:flow-logs":
                resource.resource_type = "ec2:vpc-flow-log"
                resource.arn = resource.arn.replace(":flow-logs/", ":vpc-flow-log/")
            yield resource
        prefix = "arn:%s:ec2:%s:%s:" % (backend.partition, backend.region_name, backend.account_id)
        # moto keeps deleted endpoints (state "deleted"); they are gone from AWS's listing.
        extra = [("vpc-endpoint", endpoint.id) for endpoint in backend.vpc_end_points.values() if endpoint.state != "deleted"]
        extra += [("elastic-ip", address.allocation_id) for address in backend.addresses if address.allocation_id]
        for kind, resource_id in extra:
            yield TaggedResource(arn=prefix + "%s/%s" % (kind, resource_id), tags=dict(backend.tags.get(resource_id, {})),
                                 resource_type="ec2:" + kind)

    EC2Backend.iter_tagged_resources = iter_tagged_resources


def elasticache_subnet_group_deletion():
    """DeleteCacheSubnetGroup deletes a cache subnet group, as on AWS.

    moto creates and describes cache subnet groups but lacks DeleteCacheSubnetGroup (its server
    answers 500), so nothing could remove one. As on AWS, an unknown group fails with
    CacheSubnetGroupNotFoundFault, and a group a replication group still uses with
    CacheSubnetGroupInUse.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

        def __init__(self, name):
            super().__init__("Cache subnet group %s is currently in use by a cache cluster." % name)

    def delete_cache_subnet_group(response):
        backend = response.elasticache_backend
        name = response._get_param("CacheSubnetGroupName")  # pylint: disable=protected-access
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        users = list(backend.replication_groups.values()) + list(backend.cache_clusters.values())
        if any(getattr(user, "cache_subnet_group_name", None) == name and getattr(user, "status", "") != "deleting" for user in users):
            raise CacheSubnetGroupInUse(name)
        group = backend.cache_subnet_groups.pop(name)
        backend.tagging_service.delete_all_tags_for_resource(group.arn)
        return EmptyResult()

    if not hasattr(ElastiCacheResponse, "delete_cache_subnet_group"):
        ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group


def transitional_states():
    """EKS clusters, node groups, NAT gateways, AMP workspaces and replication groups take time, as on AWS.

    moto creates and deletes them at once. With the latency model on (aws_emulator.latency) they show
    CREATING (``pending``, ``creating``) and DELETING for the scaled real durations, and a deleted one stays
    listed until its time is up; a cluster whose node groups are still deleting cannot be deleted. With
    it off, the only difference from moto is that a delete's answer says DELETING, as AWS's does.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.amp.models import PrometheusServiceBackend, Workspace
    from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend
    from moto.eks import models as eks
    from moto.elasticache.models import ReplicationGroup

    from aws_emulator import latency

    if getattr(eks.EKSBackend.create_cluster, "corrected", False):
        return
    for cls, name in ((eks.Cluster, "status"), (eks.Nodegroup, "status"), (NatGateway, "state"), (Workspace, "status"),
                      (ReplicationGroup, "status")):
        latency.install(cls, name)

    def starting(create, status, kind):
        def corrected(*args, **kwargs):
            resource = create(*args, **kwargs)
            latency.begin(resource, status, kind)
            return resource

        return corrected

    create_cluster, delete_cluster, delete_nodegroup = eks.EKSBackend.create_cluster, eks.EKSBackend.delete_cluster, eks.EKSBackend.delete_nodegroup

    def corrected_delete_cluster(backend, name):
        cluster = backend.clusters.get(name)
        if cluster is None or not latency.seconds("eks.cluster.delete"):
            cluster = delete_cluster(backend, name)
        elif cluster.status != "DELETING":
            eks.validate_safe_to_delete(cluster)

            def remove():
                if backend.clusters.get(name) is cluster:
                    del backend.clusters[name]
                    backend.cluster_count -= 1

            latency.later("eks.cluster.delete", remove)
        latency.end(cluster)  # a CREATING still shown
        cluster.status = "DELETING"
        return cluster

    def corrected_delete_nodegroup(backend, cluster_name, nodegroup_name):
        cluster = backend.clusters.get(cluster_name)
        nodegroup = cluster.nodegroups.get(nodegroup_name) if cluster else None
        if nodegroup is None or not latency.seconds("eks.nodegroup.delete"):
            nodegroup = delete_nodegroup(backend, cluster_name, nodegroup_name)
        elif nodegroup.status != "DELETING":
            def remove():
                if cluster.nodegroups.get(nodegroup_name) is nodegroup:
                    del cluster.nodegroups[nodegroup_name]
                    cluster.nodegroup_count -= 1

            latency.later("eks.nodegroup.delete", remove)
        latency.end(nodegroup)  # a CREATING still shown
        nodegroup.status = "DELETING"
        return nodegroup

    corrected_create_cluster = starting(create_cluster, "CREATING", "eks.cluster.create")
    corrected_create_cluster.corrected = True
    eks.EKSBackend.create_cluster = corrected_create_cluster
    eks.EKSBackend.delete_cluster = corrected_delete_cluster
    eks.EKSBackend.create_nodegroup = starting(eks.EKSBackend.create_nodegroup, "CREATING", "eks.nodegroup.create")
    eks.EKSBackend.delete_nodegroup = corrected_delete_nodegroup
    NatGatewayBackend.create_nat_gateway = starting(NatGatewayBackend.create_nat_gateway, "pending", "ec2.nat_gateway.create")
    PrometheusServiceBackend.create_workspace = starting(PrometheusServiceBackend.create_workspace, {"statusCode": "CREATING"},
                                                         "amp.workspace.create")


def amp_rule_groups_namespace_failures():
    """A rules file AMP's ruler cannot load leaves its namespace CREATION_FAILED or UPDATE_FAILED, with the reason.

    AMP takes the file and loads it afterwards; the namespace keeps the refused file as its data, and a
    later PutRuleGroupsNamespace (of that file or another) tries again. moto reports every namespace
    ACTIVE. What the emulator refuses is in aws_emulator.handlers.amp_rules.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.amp.models import PrometheusServiceBackend, RuleGroupNamespace

    from aws_emulator.handlers import amp_rules

    if getattr(RuleGroupNamespace.to_dict, "corrected", False):
        return
    create, put, to_dict = (PrometheusServiceBackend.create_rule_groups_namespace, PrometheusServiceBackend.put_rule_groups_namespace,
                            RuleGroupNamespace.to_dict)

    def loaded(namespace, data, failed_status):
        reason = amp_rules.rules_failure(data)
        namespace.__dict__["_emulator_failure"] = (failed_status, reason) if reason else None
        return namespace

    def corrected_create(backend, data, name, tags, workspace_id):
        return loaded(create(backend, data=data, name=name, tags=tags, workspace_id=workspace_id), data, "CREATION_FAILED")

    def corrected_put(backend, data, name, workspace_id):
        return loaded(put(backend, data=data, name=name, workspace_id=workspace_id), data, "UPDATE_FAILED")

    def corrected_to_dict(namespace):
        result = to_dict(namespace)
        failure = namespace.__dict__.get("_emulator_failure")
        if failure:
            result["status"] = {"statusCode": failure[0], "statusReason": failure[1]}
        return result

    corrected_to_dict.corrected = True
    PrometheusServiceBackend.create_rule_groups_namespace = corrected_create
    PrometheusServiceBackend.put_rule_groups_namespace = corrected_put
    RuleGroupNamespace.to_dict = corrected_to_dict


def tagging_api_lists_grafana_and_prometheus():
    """The Resource Groups Tagging API lists Managed Grafana workspaces, and AMP workspaces and rule groups
    namespaces, with their tags; deleted ones vanish from it.

    moto has no Grafana and its AMP backend takes no part in that API, so a teardown's "is anything
    tagged left?" check would miss them. The details are in aws_emulator.handlers.amg (GrafanaTagging)
    and aws_emulator.handlers.amp_alertmanager (PrometheusTagging).
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.resourcegroupstaggingapi import models

    from aws_emulator.handlers.amg import GrafanaTagging
    from aws_emulator.handlers.amp_alertmanager import prometheus_tagging

    listing = models.iter_taggable_backends
    if getattr(listing, "corrected", False):
        return

    def iter_taggable_backends(account_id, region_name):
        yield from listing(account_id, region_name)
        yield from prometheus_tagging(account_id, region_name)
        yield GrafanaTagging(account_id, region_name)

    iter_taggable_backends.corrected = True
    models.iter_taggable_backends = iter_taggable_backends


def ec2_dependency_violations():
    """DeleteSubnet, DeleteSecurityGroup and DeleteVpc refuse with DependencyViolation while something depends on them.

    AWS keeps a subnet while a network interface is in it (a load balancer has one in each of its subnets),
    a security group while a network interface or a load balancer uses it or another group's rule
    references it, and a VPC while security groups other than its default are left in it; a deleted NAT
    gateway's interface goes with it. moto deletes the subnet and the group anyway, checks only subnets and
    route tables before a VPC, and keeps a deleted NAT gateway's interface, so a teardown that leaves what a
    Kubernetes load balancer controller made would pass here and fail on AWS.
    """
    # pylint: disable=import-outside-toplevel,protected-access  # moto loads slowly; its models' own fields
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend
    from moto.elb.models import elb_backends
    from moto.elbv2.models import elbv2_backends

    delete_subnet, delete_group, delete_vpc = EC2Backend.delete_subnet, EC2Backend.delete_security_group, EC2Backend.delete_vpc
    delete_nat_gateway = EC2Backend.delete_nat_gateway
    if getattr(delete_subnet, "corrected", False):
        return

    def load_balancers(backend):
        """(subnet ids, security group ids) of every classic and v2 load balancer in the backend's region."""
        for backends in (elbv2_backends, elb_backends):
            for balancer in backends[backend.account_id][backend.region_name].load_balancers.values():
                yield {getattr(subnet, "id", subnet) for subnet in balancer.subnets}, set(balancer.security_groups or [])

    def corrected_delete_subnet(backend, subnet_id):
        in_subnet = any(eni.subnet.id == subnet_id for eni in backend.enis.values())
        if in_subnet or any(subnet_id in subnets for subnets, _groups in load_balancers(backend)):
            raise DependencyViolationError("The subnet '%s' has dependencies and cannot be deleted." % subnet_id)
        return delete_subnet(backend, subnet_id)

    def referenced(backend, group_id):
        for groups in backend.groups.values():
            for group in groups.values():
                rules = group.ingress_rules + group.egress_rules
                if group.id != group_id and any(rule.source_group.get("GroupId") == group_id for rule in rules):
                    return True
        return False

    def corrected_delete_group(backend, name=None, group_id=None):
        group = backend.get_security_group_from_id(group_id) if group_id else backend.get_security_group_by_name_or_id(name)
        if group is not None and not group.is_default:
            used = any(group.id in {member.id for member in eni.group_set} for eni in backend.enis.values())
            if used or referenced(backend, group.id) or any(group.id in groups for _subnets, groups in load_balancers(backend)):
                raise DependencyViolationError("resource %s has a dependent object" % group.id)
        return delete_group(backend, name=name, group_id=group_id)

    def corrected_delete_vpc(backend, vpc_id):
        if any(not group.is_default for group in backend.groups.get(vpc_id, {}).values()):
            raise DependencyViolationError("The vpc '%s' has dependencies and cannot be deleted." % vpc_id)
        return delete_vpc(backend, vpc_id)

    def corrected_delete_nat_gateway(backend, nat_gateway_id):
        gateway = delete_nat_gateway(backend, nat_gateway_id)
        backend.enis.pop(gateway._eni.id, None)
        return gateway

    corrected_delete_subnet.corrected = True
    EC2Backend.delete_subnet, EC2Backend.delete_security_group = corrected_delete_subnet, corrected_delete_group
    EC2Backend.delete_vpc, EC2Backend.delete_nat_gateway = corrected_delete_vpc, corrected_delete_nat_gateway


def elb_unknown_load_balancer_attributes():
    """Classic ELB's DescribeLoadBalancerAttributes fails with LoadBalancerNotFound for an unknown load balancer, as on AWS.

    moto answers 500, so amazon.aws.elb_classic_lb fails right after a deletion, when it reads back
    the attributes of the load balancer it deleted.
    """
    # pylint: disable=import-outside-toplevel,protected-access  # moto loads slowly; its responses' own helpers
    from moto.elb.exceptions import LoadBalancerNotFoundError
    from moto.elb.responses import ELBResponse

    describe = ELBResponse.describe_load_balancer_attributes
    if getattr(describe, "corrected", False):
        return

    def corrected_describe(response):
        name = response._get_param("LoadBalancerName")
        if response.elb_backend.get_load_balancer(name) is None:
            raise LoadBalancerNotFoundError(name)
        return describe(response)

    corrected_describe.corrected = True
    ELBResponse.describe_load_balancer_attributes = corrected_describe


def ecr_tag_mutability_exclusions():
    """PutImageTagMutability answers with the repository's tag mutability exclusion filters, as AWS does.

    moto keeps the filters (DescribeRepositories shows them) but leaves them out of the answer, so a
    caller reading the answer sees a ..._WITH_EXCLUSION setting with no exclusions.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.ecr.models import ECRBackend

    put = ECRBackend.put_image_tag_mutability
    if getattr(put, "corrected", False):
        return

    def corrected_put(backend, registry_id, repository_name, image_tag_mutability, image_tag_mutability_exclusion_filters=None):
        result = put(backend, registry_id=registry_id, repository_name=repository_name, image_tag_mutability=image_tag_mutability,
                     image_tag_mutability_exclusion_filters=image_tag_mutability_exclusion_filters)
        filters = backend._get_repository(repository_name, registry_id).image_tag_mutability_exclusion_filters  # pylint: disable=protected-access
        if filters:
            result["imageTagMutabilityExclusionFilters"] = filters
        return result

    corrected_put.corrected = True
    ECRBackend.put_image_tag_mutability = corrected_put


def acm_dns_validation():
    """ACM issues a DNS-validated certificate only after its validation CNAME is in a public hosted zone, as on AWS.

    moto gives every domain the same record and issues every requested certificate after 60 s, record or not,
    so a role that never creates the records would pass here and wait forever on AWS. The details are in
    aws_emulator.handlers.acm_validation.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.acm.models import AWSCertificateManagerBackend, CertBundle

    from aws_emulator.handlers import acm_validation

    check, describe, request = CertBundle.check, CertBundle.describe, AWSCertificateManagerBackend.request_certificate
    if getattr(describe, "corrected", False):
        return

    def corrected_check(cert):
        # moto's own check marks expired certificates; its timer is replaced by the record lookup.
        if cert.type == "AMAZON_ISSUED" and cert.status == "PENDING_VALIDATION":
            acm_validation.check(cert)
            return
        check(cert)

    def corrected_describe(cert):
        return acm_validation.describe(cert, describe(cert))

    def corrected_request(backend, domain_name, idempotency_token, subject_alt_names, tags, *options):
        arn = request(backend, domain_name, idempotency_token, subject_alt_names, tags, *options)
        acm_validation.requested(backend._certificates[arn], domain_name, subject_alt_names)  # pylint: disable=protected-access
        return arn

    corrected_describe.corrected = True
    CertBundle.check, CertBundle.describe = corrected_check, corrected_describe
    AWSCertificateManagerBackend.request_certificate = corrected_request


def sesv2_email_identities():
    """SES v2 domain identities get Easy DKIM (PENDING, three tokens) and are verified only once the CNAMEs resolve.

    moto answers a new domain with no DKIM tokens and verified at once, and files its tags under an ARN AWS
    never returns. The details are in aws_emulator.handlers.ses_dkim.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.core.exceptions import JsonRESTError
    from moto.ses.exceptions import NotFoundException
    from moto.sesv2.models import SESV2Backend

    from aws_emulator.handlers import ses_dkim

    get, iter_tagged = SESV2Backend.get_email_identity, SESV2Backend.iter_tagged_resources
    if getattr(get, "corrected", False):
        return

    def arn(backend, name):
        return ses_dkim.identity_arn(backend.partition, backend.region_name, backend.account_id, name)

    def corrected_create(backend, email_identity, tags, dkim_signing_attributes, configuration_set_name):
        if email_identity in backend.core_backend.email_identities:
            raise JsonRESTError("AlreadyExistsException", "Email identity %s already exist." % email_identity)
        identity = backend.core_backend.create_email_identity_v2(email_identity, None, dkim_signing_attributes, configuration_set_name)
        if tags:
            backend.core_backend.tagger.tag_resource(arn(backend, email_identity), tags)
        ses_dkim.created(identity, backend.account_id)
        return identity

    def corrected_get(backend, email_identity):
        identity = get(backend, email_identity)
        ses_dkim.refresh(identity)
        identity.tags = backend.core_backend.tagger.list_tags_for_resource(arn(backend, email_identity)).get("Tags", [])
        return identity

    def corrected_delete(backend, email_identity):
        if email_identity not in backend.core_backend.email_identities:
            raise NotFoundException("Email identity %s does not exist." % email_identity)
        del backend.core_backend.email_identities[email_identity]
        backend.core_backend.tagger.delete_all_tags_for_resource(arn(backend, email_identity))

    def corrected_iter_tagged(backend):
        for resource in iter_tagged(backend):
            if ":email-identity/" in resource.arn:
                name = resource.arn.split(":email-identity/", 1)[1]
                resource = type(resource)(arn=arn(backend, name), resource_type="ses:identity",
                                          tags=backend.core_backend.tagger.get_tag_dict_for_resource(arn(backend, name)))
            yield resource

    corrected_get.corrected = True
    SESV2Backend.create_email_identity, SESV2Backend.get_email_identity = corrected_create, corrected_get
    SESV2Backend.delete_email_identity, SESV2Backend.iter_tagged_resources = corrected_delete, corrected_iter_tagged


def apply_all():
    ec2_tag_resource_types()
    iam_oidc_provider_client_ids()
    eks_creation_defaults()
    kms_key_arns()
    ec2_tagged_resource_listing()
    elasticache_replication_groups()
    elasticache_subnet_group_deletion()
    transitional_states()
    amp_rule_groups_namespace_failures()
    tagging_api_lists_grafana_and_prometheus()
    ec2_dependency_violations()
    elb_unknown_load_balancer_attributes()
    ecr_tag_mutability_exclusions()
    acm_dns_validation()
    sesv2_email_identities()
