"""What real AWS checks that the emulator cannot show, per layer, with the AWS page that says so.

The emulator logs API calls; IAM also authorizes things no call of ours names: passing a role to a
service (iam:PassRole), the service-linked role a service creates on first use in an account, and
dependent actions of a create. Each entry: sid, actions, resources ("{id}" is the platform id), an
optional condition, and the source.
"""

SERVICE_LINKED_ROLE = "arn:aws:iam::*:role/aws-service-role/%s/*"


def _service_linked_roles(sid, services, source):
    return {"sid": sid, "actions": ["iam:CreateServiceLinkedRole"],
            "resources": [SERVICE_LINKED_ROLE % service for service in services],
            "condition": {"StringEquals": {"iam:AWSServiceName": list(services)}}, "source": source}


# The layers' own roles are named <id>-...; the workload roles live under the path /gameops/<id>/.
LAYER_ROLES = "arn:aws:iam::*:role/{id}-*"
WORKLOAD_ROLES = "arn:aws:iam::*:role/gameops/{id}/*"


def _pass_roles(sid, services, source, roles=LAYER_ROLES):
    return {"sid": sid, "actions": ["iam:PassRole"], "resources": [roles],
            "condition": {"StringEquals": {"iam:PassedToService": list(services)}}, "source": source}


ADDITIONS = {
    "network": [
        # Flow logs to S3 (inventories/prod): the caller needs log delivery rights as well as ec2:CreateFlowLogs.
        {"sid": "FlowLogDeliveryToS3", "actions": ["logs:CreateLogDelivery", "logs:DeleteLogDelivery"], "resources": ["*"],
         "source": "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html (IAM policy for IAM principals that publish flow logs to Amazon S3)"},
    ],
    "log_storage": [
        # Teardown removes the bucket with force: on AWS a bucket holding Loki's chunks is emptied first
        # (ListObjectVersions, DeleteObjects); the emulator's run leaves the bucket empty, so it shows neither.
        {"sid": "EmptyBucketOnTeardown", "actions": ["s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"],
         "resources": ["arn:aws:s3:::*", "arn:aws:s3:::*/*"],
         "source": "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html (Permissions), "
                   "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html"},
    ],
    "eks": [
        # The cluster role (CreateCluster roleArn), node role (CreateNodegroup nodeRole) and the EBS CSI
        # driver's pod identity role (CreatePodIdentityAssociation roleArn).
        _pass_roles("PassPlatformRolesToEks", ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"],
                    "https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html, "
                    "https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html, "
                    "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html"),
        _service_linked_roles("EksServiceLinkedRoles", ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com"],
                              "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html, "
                              "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks-nodegroups.html"),
    ],
    "cache": [
        _service_linked_roles("ElastiCacheServiceLinkedRole", ["elasticache.amazonaws.com"],
                              "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/using-service-linked-roles.html"),
    ],
    "grafana": [
        # The customer-managed workspace role (CreateWorkspace workspaceRoleArn).
        _pass_roles("PassWorkspaceRoleToGrafana", ["grafana.amazonaws.com"],
                    "https://docs.aws.amazon.com/grafana/latest/userguide/AMG-manage-permissions.html"),
        _service_linked_roles("GrafanaServiceLinkedRole", ["grafana.amazonaws.com"],
                              "Service Authorization Reference, grafana:CreateWorkspace dependent actions: "
                              "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedgrafana.html"),
        # AWS_SSO authentication: the workspace becomes an IAM Identity Center application.
        {"sid": "GrafanaIdentityCenterApplication",
         "actions": ["sso:CreateManagedApplicationInstance", "sso:DeleteManagedApplicationInstance", "sso:DescribeRegisteredRegions",
                     "sso:GetSharedSsoConfiguration", "organizations:DescribeOrganization",
                     # UpdatePermissions looks the users and groups up in Identity Center (AWSGrafanaWorkspacePermissionManagementV2).
                     "sso-directory:DescribeGroup", "sso-directory:DescribeUser", "sso:GetManagedApplicationInstance",
                     "sso:ListDirectoryAssociations"],
         "resources": ["*"],
         "source": "https://docs.aws.amazon.com/grafana/latest/userguide/AMG-manage-permissions.html and the "
                   "Service Authorization Reference, grafana:CreateWorkspace dependent actions"},
    ],
    "workload_roles": [
        # Alloy's and Loki's roles, passed to EKS Pod Identity (or assumed through IRSA, which passes none).
        _pass_roles("PassWorkloadRolesToPodIdentity", ["pods.eks.amazonaws.com"],
                    "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html", roles=WORKLOAD_ROLES),
    ],
}
