"""fusiekg: a knowledge graph of Dutch ambtelijke fusies, built with rdflib and served from pyoxigraph."""

__version__ = "0.1.0"
