"""titlegraph: comparable titles and audience by country for a streaming catalog."""

__version__ = "0.1.0"
