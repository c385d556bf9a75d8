"""Data exchange: the knowledge base and the watched sources written out as CSV or JSON, and commitments read
back in from CSV. See docs/data-exchange.md for the formats.
"""
