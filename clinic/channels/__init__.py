"""Input channels of the assistant, referenced by module path from credentials.yml."""
