"""The project's own handlers for AWS APIs that moto lacks, keyed by botocore service name.

Each handler serves only the operations it implements; every other request goes on to moto.
"""

from aws_emulator.handlers.amg import GrafanaWorkspaces
from aws_emulator.handlers.amp_alertmanager import AlertManagerDefinitions
from aws_emulator.handlers.eks import EksExtensions

HANDLER_CLASSES = [EksExtensions, GrafanaWorkspaces, AlertManagerDefinitions]


def build_handlers(handler_classes=None):
    """One handler instance per service: {service name: [handlers]}."""
    handlers = {}
    for handler_class in HANDLER_CLASSES if handler_classes is None else handler_classes:
        handlers.setdefault(handler_class.service, []).append(handler_class())
    return handlers
