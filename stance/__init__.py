"""stance: statements, stance toward negotiation and sentiment in news articles."""

__version__ = "0.1.0"
