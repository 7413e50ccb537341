"""People: persons, the posts they hold at hierarchy nodes, and the scoping that follows from posts.
scoping.scope() is the one function every query on scoped data goes through."""
