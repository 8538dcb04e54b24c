"""Sub-commands of the training area: `titlegraph train` and `titlegraph evaluate`."""


def register(commands) -> None:
    """Add this area's sub-commands to the `titlegraph` parser."""
