"""Authentication: the API Gateway TOKEN authorizer and a helper that mints test tokens."""
