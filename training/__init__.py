"""Self-supervised GraphSAGE title embeddings and the audience-by-country head."""
