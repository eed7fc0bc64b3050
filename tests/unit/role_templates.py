"""Role files as Ansible reads them: every string of a role's own vars (or include_vars) file trusted as a template."""

from ansible.template import trust_as_template


def trusted(value):
    """The value with its strings trusted as templates, as Ansible trusts a role's own vars files."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value
