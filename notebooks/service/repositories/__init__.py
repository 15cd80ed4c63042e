"""Data access: the only package of the service that talks to DynamoDB."""
