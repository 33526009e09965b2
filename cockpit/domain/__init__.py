"""Plain-Python domain vocabulary: roles, permissions, the principal, errors, enums."""
