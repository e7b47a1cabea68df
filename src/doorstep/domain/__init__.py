"""Domain vocabulary: enums, value objects and rules. No framework imports, no I/O."""
