"""A local AWS emulator for developing and testing gameops.platform.

moto's server answers the APIs it has; the project's own handlers (aws_emulator.handlers) answer
those it lacks. Every request is written to a JSON-lines request log. Development tooling only:
nothing in the collection's plugins imports it.
"""
