"""GraphQL area of the innovation points (创新积分制) and the early warnings."""
