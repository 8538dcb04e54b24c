"""Graph layer of titlegraph: data files, catalog merging, Neo4j reads and writes."""
