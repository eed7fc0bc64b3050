"""The ingress's certificate: the certificates layer's, unless the spec pastes an ARN (which still wins)."""

import copy
import os

from test_render import PLATFORM, build, by_kind, render

ACCOUNT = "123456789012"
FROM_LAYER = "arn:aws:acm:%s:%s:certificate/11111111-1111-1111-1111-111111111111" % (PLATFORM["region"], ACCOUNT)
PASTED = "arn:aws:acm:%s:%s:certificate/22222222-2222-2222-2222-222222222222" % (PLATFORM["region"], ACCOUNT)
LAYER_OUTPUTS = {"certificates_outputs": {"certificates": {}, "ingress_certificate_arn": FROM_LAYER}}


def ingress_annotations(tmp_path, platform):
    tree = str(tmp_path / "tree")
    code, output, _counts = render(tree, tmp_path, platform=platform, extra_vars=LAYER_OUTPUTS)
    assert code == 0, output[-4000:]
    objects, _text = build(os.path.join(tree, "apps", "overlays", PLATFORM["environment"]))
    return by_kind(objects, "Ingress", "queue-api")["metadata"]["annotations"]


def test_the_ingress_takes_the_certificates_layers_certificate(tmp_path):
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"]["addons"].pop("certificate_arn", None)
    annotations = ingress_annotations(tmp_path, platform)
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == FROM_LAYER
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}, {"HTTPS": 443}]'


def test_a_pasted_certificate_arn_wins(tmp_path):
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"]["addons"]["certificate_arn"] = PASTED
    assert ingress_annotations(tmp_path, platform)["alb.ingress.kubernetes.io/certificate-arn"] == PASTED
