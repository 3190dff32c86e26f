"""Authentication (bearer JWT) and the principal each request acts as."""
