"""How problems are solved: one folder per problem family, a registry, and the comparator."""
