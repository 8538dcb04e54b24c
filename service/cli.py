"""Sub-commands of the service area: `titlegraph serve` and `titlegraph demo`."""


def register(commands) -> None:
    """Add this area's sub-commands to the `titlegraph` parser."""
