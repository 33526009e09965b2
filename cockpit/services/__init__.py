"""Use cases. Every function touching municipal data authorizes through ``authz`` first."""
