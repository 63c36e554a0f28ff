"""Staff tokens, roles and the checks that guard staff endpoints."""
